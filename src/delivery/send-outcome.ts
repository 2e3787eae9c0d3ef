import { maskPersonal, type PersonalValues } from '../common/mask-personal';
import type { ConsentEntry, ContactPolicy } from '../policy/engine';
import { suppressedFor, type SuppressionHit } from '../suppression/suppression.service';
import type { RenderedMessage } from '../templates/template-context';
import type { FailureAction, SendFailure } from './channels/channel';
import { retryDelayMs, sendTimeProblem, sendWindowDelay } from './send-checks';
import type { ClaimedDelivery } from './sql/claim-due-deliveries';
import type { Recipient } from './sql/lock-recipients';

/** The consent_events ids of the channel's topic and '*' states read at the hand-over. */
export interface ConsentIdsAtSend {
  topic: string | null;
  all: string | null;
}

/** What became of one claimed delivery. */
export type Outcome =
  | {
      kind: 'sent';
      content: RenderedMessage;
      consentAtSend?: ConsentIdsAtSend;
      providerId: string;
      providerStatus: string | null;
      contentHash: string;
      transport: string;
    }
  | { kind: 'cancelled'; reason: string }
  /** Not an attempt: the send window moved (quiet or business hours). */
  | { kind: 'deferred'; until: Date; reason: string }
  | { kind: 'retry'; until: Date; code: string; error: string }
  | { kind: 'failed'; code: string; error: string; action?: FailureAction }
  | { kind: 'unknown'; code: string; error: string };

/** Diagnostics kept in the append-only audit: short, whatever the provider said. */
const ERROR_LENGTH = 300;
const CODE_LENGTH = 60;

/** The values of the recipient that diagnostics may quote. */
export const personOf = (c: Recipient): PersonalValues => ({
  names: [c.name, c.company],
  emails: [c.email],
  phones: [c.phone, c.account_manager_phone],
});

/**
 * Consent, suppression and the send window under the batch's locks, before anything is rendered:
 * the outcome when the delivery must not go now, else null.
 */
export function checkBeforeSend(
  row: ClaimedDelivery,
  customer: Recipient,
  consent: readonly ConsentEntry[],
  suppressions: readonly SuppressionHit[],
  policy: ContactPolicy | undefined,
  now: Date,
): Outcome | null {
  const problem = sendTimeProblem({
    channel: row.channel,
    category: row.category,
    topic: row.topic,
    goal: row.goal,
    campaignId: row.campaign_id,
    kind: customer.kind,
    erased: customer.erased,
    address: row.channel === 'email' ? customer.email : customer.phone,
    accountManagerPhone: customer.account_manager_phone,
    consent,
    // The planner's rule: a complaint about the e-mail also stops a planned SMS or call.
    suppressed: suppressedFor(row.channel === 'email' ? 'email' : 'phone', suppressions),
    needsAttention: customer.needs_attention,
  });
  if (problem) return { kind: 'cancelled', reason: problem };
  const until = policy
    ? sendWindowDelay(row.channel, policy, customer.timezone, now.getTime())
    : null;
  if (until === null) return null;
  return {
    kind: 'deferred',
    until: new Date(until),
    reason: row.channel === 'voice' ? 'outside_business_hours' : 'quiet_hours',
  };
}

/** A template that cannot be rendered whole: failed, its message masked. */
export function renderFailure(err: unknown, customer: Recipient): Outcome {
  const error = maskPersonal((err as Error).message, personOf(customer)).slice(0, ERROR_LENGTH);
  return { kind: 'failed', code: 'render_error', error };
}

/**
 * A failed hand-over, classified by the channel's taxonomy: permanent fails, ambiguous marketing is
 * unknown (at most once), the rest is retried with backoff until the attempts run out.
 */
export function failureOutcome(
  row: Pick<ClaimedDelivery, 'category' | 'attempts'>,
  f: SendFailure,
  customer: Recipient,
  maxAttempts: number,
  now: Date,
  random?: () => number,
): Outcome {
  // SMTP answers and Twilio messages quote the address, number or name; the audit row is
  // append-only, so they are masked before anything is stored.
  const error = maskPersonal(f.message, personOf(customer)).slice(0, ERROR_LENGTH);
  const code = maskPersonal(f.code).slice(0, CODE_LENGTH);
  if (f.kind === 'permanent') return { kind: 'failed', code, error, action: f.action };
  // At most once: marketing that may have gone out is never tried again.
  if (f.kind === 'ambiguous' && row.category !== 'service') {
    return { kind: 'unknown', code, error };
  }
  if (row.attempts >= maxAttempts) {
    return { kind: 'failed', code, error: `${error} (after ${row.attempts} attempts)` };
  }
  return {
    kind: 'retry',
    until: new Date(now.getTime() + retryDelayMs(row.attempts, random)),
    code,
    error,
  };
}
