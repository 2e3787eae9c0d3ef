import { Injectable } from '@nestjs/common';
import type { TwilioParams } from '../../common/twilio-webhook';
import { EmailReportFeedback } from './email-report-feedback';
import type { FeedbackResult } from './feedback-result';
import { TwilioStatusFeedback } from './twilio-status-feedback';

export type { TwilioParams };
export type { FeedbackResult } from './feedback-result';

/**
 * What providers tell us after the hand-over: Twilio status callbacks (TwilioStatusFeedback) and
 * e-mail bounces and complaints (EmailReportFeedback). Each event is matched to its delivery and
 * every transition is audited in the same transaction.
 */
@Injectable()
export class ProviderFeedbackService {
  constructor(
    private readonly twilio: TwilioStatusFeedback,
    private readonly email: EmailReportFeedback,
  ) {}

  /** 503 when Twilio is not configured; 403 when X-Twilio-Signature is missing or wrong. */
  verifyTwilio(signature: string | undefined, params: TwilioParams): void {
    this.twilio.verify(signature, params);
  }

  /** A verified Twilio status callback for a message (MessageSid) or a call (CallSid). */
  twilioStatus(params: TwilioParams): Promise<FeedbackResult> {
    return this.twilio.handle(params);
  }

  /** A raw RFC 3464 bounce or RFC 5965 complaint. */
  emailReport(raw: Buffer): Promise<FeedbackResult & { type: 'bounce' | 'complaint' }> {
    return this.email.handle(raw);
  }
}
