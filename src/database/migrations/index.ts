import { Foundation1763892000000 } from './1763892000000-foundation';
import { ContactPolicies1763895600000 } from './1763895600000-contact-policies';
import { Consent1763899200000 } from './1763899200000-consent';
import { Preferences1763902800000 } from './1763902800000-preferences';
import { Subscriptions1763906400000 } from './1763906400000-subscriptions';
import { Templates1763910000000 } from './1763910000000-templates';
import { Campaigns1763913600000 } from './1763913600000-campaigns';
import { Deliveries1763917200000 } from './1763917200000-deliveries';
import { AuditChain1763920800000 } from './1763920800000-audit-chain';
import { Planning1763924400000 } from './1763924400000-planning';
import { Console1763928000000 } from './1763928000000-console';
import { ContactLocks1763931600000 } from './1763931600000-contact-locks';
import { DeliveryReferences1763935200000 } from './1763935200000-delivery-references';
import { WritePathIndexes1763938800000 } from './1763938800000-write-path-indexes';
import { ConsentWordings1765100000000 } from './1765100000000-consent-wordings';
import { PendingSubscriptions1765300000000 } from './1765300000000-pending-subscriptions';
import { PendingCrossChannelConsent1765301000000 } from './1765301000000-pending-cross-channel-consent';
import { CustomerImports1765600000000 } from './1765600000000-customer-imports';
import { IdempotentIngestion1765700000000 } from './1765700000000-idempotent-ingestion';
import { CustomersFillfactor1765800001000 } from './1765800001000-customers-fillfactor';
// Outcomes (clicks, conversions, holdouts, guardrails).
import { CampaignOutcomes1797000000000 } from './1797000000000-campaign-outcomes';
import { Clicks1797000001000 } from './1797000001000-clicks';

// The console and the public pages.
import { CampaignAnnouncement1797100000000 } from './1797100000000-campaign-announcement';

// Integrations (provider events, outbound webhooks).
import { ProviderEmailEvents1797200000000 } from './1797200000000-provider-email-events';
import { OutboundWebhooks1797200001000 } from './1797200001000-outbound-webhooks';

// Replies and follow-ups.
import { ReplyAddresses1797300000000 } from './1797300000000-reply-addresses';
import { FollowUps1797300001000 } from './1797300001000-follow-ups';

// Listed explicitly (not globbed) so the same list works from ts sources, dist and tests.
export const MIGRATIONS = [
  Foundation1763892000000,
  ContactPolicies1763895600000,
  Consent1763899200000,
  Preferences1763902800000,
  Subscriptions1763906400000,
  Templates1763910000000,
  Campaigns1763913600000,
  Deliveries1763917200000,
  AuditChain1763920800000,
  Planning1763924400000,
  Console1763928000000,
  ContactLocks1763931600000,
  DeliveryReferences1763935200000,
  WritePathIndexes1763938800000,
  ConsentWordings1765100000000,
  PendingSubscriptions1765300000000,
  PendingCrossChannelConsent1765301000000,
  CustomerImports1765600000000,
  IdempotentIngestion1765700000000,
  CustomersFillfactor1765800001000,
  // Outcomes.
  CampaignOutcomes1797000000000,
  Clicks1797000001000,

  // The console and the public pages.
  CampaignAnnouncement1797100000000,

  // Integrations.
  ProviderEmailEvents1797200000000,
  OutboundWebhooks1797200001000,

  // Replies and follow-ups.
  ReplyAddresses1797300000000,
  FollowUps1797300001000,
];
