/** Where a reader's reply lands: no-reply senders and the addresses that stand in for them. */

/** `no-reply@`, `noreply@`, `do-not-reply@`, `donotreply@` … (any letter case, with a display name). */
const NO_REPLY_LOCAL_PART = /(?:^|<|\s)(?:no|do[-_.]?not)[-_.]?reply@/i;

/** True when MAIL_FROM is an address nobody reads. */
export function isNoReplyAddress(address: string): boolean {
  return NO_REPLY_LOCAL_PART.test(address.trim());
}

/**
 * Whether a reply to a campaign's e-mail reaches a person: a Reply-To (the campaign's own or
 * REPLY_TO) or a From that is not a no-reply address.
 */
export function repliesReachSomeone(a: {
  mailFrom: string;
  replyTo?: string | null;
  campaignReplyTo?: string | null;
}): boolean {
  return Boolean(a.campaignReplyTo || a.replyTo) || !isNoReplyAddress(a.mailFrom);
}

/** The start-up line when replies would go to a no-reply address, or null. */
export function noReplyWarning(s: { mailFrom: string; replyTo?: string }): string | null {
  if (s.replyTo || !isNoReplyAddress(s.mailFrom)) return null;
  return 'MAIL_FROM is a no-reply address and REPLY_TO is unset: replies to messages reach no one; set REPLY_TO to the support address';
}

/** Start-up: one line when replies to Tactful's messages would reach no one. */
export function warnAboutUnreadReplies(
  settings: { mailFrom: string; replyTo?: string },
  write: (line: string) => void = (line) => process.stdout.write(line),
): void {
  const warning = noReplyWarning(settings);
  if (warning) write(`Warning: ${warning}\n`);
}
