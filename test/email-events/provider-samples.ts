/**
 * Event payloads as the vendors document them (AWS SES notification contents, SendGrid Event
 * Webhook reference, Mailgun webhook payloads, Postmark webhook reference), with the address and
 * the message references of the delivery under test put in.
 */
export interface SampleRefs {
  email: string;
  /** The Message-ID Tactful set, with its angle brackets. */
  messageId: string;
}

export const sesBounce = (r: SampleRefs, bounceType: 'Permanent' | 'Transient' = 'Permanent') => ({
  notificationType: 'Bounce',
  bounce: {
    bounceType,
    bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
    bouncedRecipients: [
      {
        emailAddress: r.email,
        action: 'failed',
        status: bounceType === 'Permanent' ? '5.1.1' : '4.2.2',
        diagnosticCode: `smtp; 550 5.1.1 user unknown <${r.email}>`,
      },
    ],
    timestamp: '2026-11-23T11:59:00.000Z',
    feedbackId: '0102015fd91a6479-ae22395c-1f7d-4423-a9e5-e0715bffc731-000000',
    remoteMtaIp: '192.0.2.1',
    reportingMTA: 'dsn; a4-8.smtp-out.eu-west-1.amazonses.com',
  },
  mail: {
    timestamp: '2026-11-23T11:58:58.000Z',
    source: 'news@shop.example',
    sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/shop.example',
    sourceIp: '192.0.2.10',
    sendingAccountId: '123456789012',
    messageId: '0102015fd91a5ca3-93c245fe-e333-46ae-8fed-96160d20cfab-000000',
    destination: [r.email],
    headersTruncated: false,
    headers: [
      { name: 'From', value: 'Shop <news@shop.example>' },
      { name: 'To', value: r.email },
      { name: 'Message-ID', value: r.messageId },
      { name: 'Subject', value: 'Tips' },
    ],
    commonHeaders: {
      from: ['Shop <news@shop.example>'],
      to: [r.email],
      messageId: r.messageId,
      subject: 'Tips',
    },
  },
});

export const sesComplaint = (r: SampleRefs) => ({
  notificationType: 'Complaint',
  complaint: {
    userAgent: 'ExampleCorp Feedback Loop (V0.01)',
    complainedRecipients: [{ emailAddress: r.email }],
    complaintFeedbackType: 'abuse',
    arrivalDate: '2026-11-23T11:59:00.000Z',
    timestamp: '2026-11-23T11:59:01.000Z',
    feedbackId: '000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000',
  },
  mail: sesBounce(r).mail,
});

export const sesDelivery = (r: SampleRefs) => ({
  notificationType: 'Delivery',
  delivery: {
    timestamp: '2026-11-23T11:59:00.000Z',
    processingTimeMillis: 546,
    recipients: [r.email],
    smtpResponse: '250 ok:  Message 64111812 accepted',
    reportingMTA: 'a8-70.smtp-out.amazonses.com',
    remoteMtaIp: '192.0.2.2',
  },
  mail: sesBounce(r).mail,
});

export const sendgridEvents = (
  r: SampleRefs,
  event: 'delivered' | 'bounce' | 'blocked' | 'spamreport' | 'open',
) => [
  {
    email: r.email,
    timestamp: 1763899140,
    'smtp-id': r.messageId,
    event: event === 'blocked' ? 'bounce' : event,
    category: ['tips'],
    sg_event_id: `sg_event_id_${event}`,
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
    ...(event === 'bounce'
      ? {
          type: 'bounce',
          status: '5.0.0',
          reason: '500 unknown recipient',
          bounce_classification: 'Invalid Address',
        }
      : event === 'blocked'
        ? {
            type: 'blocked',
            status: '4.0.0',
            reason: '450 mailbox unavailable',
            bounce_classification: 'Technical',
          }
        : {}),
    ...(event === 'delivered' ? { response: '250 OK', ip: '168.1.1.1', tls: 1 } : {}),
  },
];

export const mailgunEventData = (
  r: SampleRefs,
  event: 'delivered' | 'failed' | 'complained',
  severity: 'permanent' | 'temporary' = 'permanent',
) => ({
  event,
  id: 'G9Bn5sl1TC6nu79C8C0bwg',
  timestamp: 1763899140.12,
  'log-level': event === 'failed' ? 'error' : 'info',
  ...(event === 'failed'
    ? { severity, reason: severity === 'permanent' ? 'bounce' : 'generic' }
    : {}),
  recipient: r.email,
  'recipient-domain': r.email.split('@')[1],
  envelope: { sender: 'news@shop.example', transport: 'smtp', targets: r.email },
  message: {
    headers: {
      to: r.email,
      'message-id': r.messageId.replace(/^<|>$/g, ''),
      from: 'news@shop.example',
      subject: 'Tips',
    },
    attachments: [],
    size: 111,
  },
  'delivery-status': {
    code: severity === 'permanent' ? 550 : 452,
    message:
      severity === 'permanent' ? '5.1.1 The email account does not exist' : '4.2.2 mailbox full',
    description: '',
    'attempt-no': 1,
  },
  flags: { 'is-authenticated': true, 'is-test-mode': false },
  'user-variables': {},
});

export const postmarkBounce = (
  r: SampleRefs & { deliveryId: string },
  type: 'HardBounce' | 'SoftBounce' = 'HardBounce',
) => ({
  RecordType: 'Bounce',
  MessageStream: 'outbound',
  ID: 4323372036,
  Type: type,
  TypeCode: type === 'HardBounce' ? 1 : 4096,
  Name: type === 'HardBounce' ? 'Hard bounce' : 'Soft bounce',
  Tag: 'tips',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Metadata: { tactful_delivery: r.deliveryId },
  ServerID: 23,
  Description:
    'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  Details: 'Test bounce details',
  Email: r.email,
  From: 'news@shop.example',
  BouncedAt: '2026-11-23T11:59:00Z',
  DumpAvailable: true,
  Inactive: true,
  CanActivate: true,
  Subject: 'Tips',
});

export const postmarkDelivery = (r: SampleRefs & { deliveryId: string }) => ({
  RecordType: 'Delivery',
  ServerID: 23,
  MessageStream: 'outbound',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Recipient: r.email,
  Tag: 'tips',
  DeliveredAt: '2026-11-23T11:59:00Z',
  Details: 'Test delivery webhook details',
  Metadata: { tactful_delivery: r.deliveryId },
});

export const postmarkComplaint = (r: SampleRefs & { deliveryId: string }) => ({
  ...postmarkBounce(r),
  RecordType: 'SpamComplaint',
  Type: 'SpamComplaint',
  TypeCode: 512,
  Name: 'Spam complaint',
});
