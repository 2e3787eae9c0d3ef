import {
  bareMessageId,
  objectAt,
  stringAt,
  statusOr,
  type ProviderReport,
} from './provider-report';

/**
 * An SES notification (the `Message` of an SNS Notification; "notificationType" for feedback
 * notifications, "eventType" for event publishing) as reports. The original Message-ID and our
 * X-Tactful-Delivery header come from `mail.commonHeaders` / `mail.headers`; SES's own message
 * id is the provider id. Undetermined bounces and other event types give no report.
 */
export function sesReports(notification: unknown): ProviderReport[] {
  const kind =
    stringAt(notification, 'notificationType') ?? stringAt(notification, 'eventType') ?? '';
  const mail = objectAt(notification, 'mail');
  const headers = Array.isArray(mail.headers) ? (mail.headers as unknown[]) : [];
  const header = (name: string) =>
    headers
      .filter((h) => stringAt(h, 'name')?.toLowerCase() === name)
      .map((h) => stringAt(h, 'value') ?? '');
  const refs = {
    messageIds: [
      ...bareMessageId(stringAt(objectAt(mail, 'commonHeaders'), 'messageId')),
      ...header('message-id').flatMap(bareMessageId),
    ],
    deliveryIds: header('x-tactful-delivery').map((v) => v.trim().toLowerCase()),
    providerIds: [stringAt(mail, 'messageId')].filter((v): v is string => Boolean(v)),
  };
  if (kind === 'Bounce') {
    const bounce = objectAt(notification, 'bounce');
    const type = stringAt(bounce, 'bounceType');
    if (type !== 'Permanent' && type !== 'Transient') return [];
    const hard = type === 'Permanent';
    const recipients = Array.isArray(bounce.bouncedRecipients) ? bounce.bouncedRecipients : [];
    return [
      {
        type: 'bounce',
        recipients: (recipients as unknown[]).map((r) => ({
          recipient: stringAt(r, 'emailAddress'),
          action: stringAt(r, 'action'),
          status: statusOr(stringAt(r, 'status'), hard),
          diagnostic: stringAt(r, 'diagnosticCode'),
        })),
        ...refs,
      },
    ];
  }
  if (kind === 'Complaint') {
    const complaint = objectAt(notification, 'complaint');
    const list = Array.isArray(complaint.complainedRecipients)
      ? (complaint.complainedRecipients as unknown[])
      : [];
    const feedbackType = stringAt(complaint, 'complaintFeedbackType') ?? 'abuse';
    return (list.length ? list : [{}]).map((r) => ({
      type: 'complaint' as const,
      feedbackType,
      recipient: stringAt(r, 'emailAddress'),
      ...refs,
    }));
  }
  if (kind === 'Delivery') {
    const list = objectAt(notification, 'delivery').recipients;
    const recipients = Array.isArray(list) ? (list as unknown[]) : [];
    return (recipients.length ? recipients : [null]).map((r) => ({
      type: 'delivered' as const,
      recipient: typeof r === 'string' ? r : null,
      ...refs,
    }));
  }
  return [];
}
