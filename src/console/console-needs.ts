import { ApiKeysController } from '../auth/api-keys.controller';
import { AudiencesController } from '../audiences/audiences.controller';
import {
  AuditController,
  CampaignReportController,
  CustomerAuditController,
} from '../audit/audit.controller';
import { CampaignsController } from '../campaigns/campaigns.controller';
import { CustomersController } from '../customers/customers.controller';
import { FollowUpsController } from '../follow-ups/follow-ups.controller';
import { PoliciesController } from '../policy/policies.controller';
import { TemplatesController } from '../templates/templates.controller';
import { WebhooksController } from '../webhooks/webhooks.controller';
import type { Role } from '../auth/api-key.entity';
import { apiRoute, mayUse, type ApiRoute } from './console-access';

const campaigns = (h: keyof CampaignsController & string) => apiRoute(CampaignsController, h);
const templates = (h: keyof TemplatesController & string) => apiRoute(TemplatesController, h);

/** What each console page or action reads or does, as the API routes that do the same. */
export const CONSOLE_NEEDS = {
  // The dashboard: running campaigns and delivery figures, as the campaign report gives them.
  dashboard: [campaigns('list'), apiRoute(CampaignReportController, 'report')],
  customerSearch: [apiRoute(CustomersController, 'list')],
  customer: [apiRoute(CustomersController, 'get'), apiRoute(CustomerAuditController, 'timeline')],
  evidence: [apiRoute(CustomerAuditController, 'bundle')],
  eraseCustomer: [apiRoute(CustomersController, 'erase')],
  campaigns: [campaigns('list'), campaigns('progress')],
  campaign: [campaigns('get'), campaigns('progress'), campaigns('forecast')],
  // The campaign page's figures, polled while the campaign is active.
  campaignLive: [campaigns('get'), campaigns('progress')],
  createCampaign: [campaigns('create')],
  audienceCount: [apiRoute(AudiencesController, 'count')],
  editCampaign: [campaigns('update')],
  campaignAction: [
    campaigns('launch'),
    campaigns('pause'),
    campaigns('resume'),
    campaigns('cancel'),
  ],
  audit: [apiRoute(AuditController, 'list')],
  auditExport: [apiRoute(AuditController, 'export')],
  templates: [templates('list')],
  template: [templates('get'), templates('versions'), templates('preview')],
  createTemplate: [templates('create')],
  policy: [apiRoute(PoliciesController, 'get'), apiRoute(PoliciesController, 'versions')],
  savePolicy: [apiRoute(PoliciesController, 'put')],
  keys: [apiRoute(ApiKeysController, 'list')],
  createKey: [apiRoute(ApiKeysController, 'create')],
  revokeKey: [apiRoute(ApiKeysController, 'revoke')],
  // Replies and follow-ups.
  followUps: [apiRoute(FollowUpsController, 'list')],
  resolveFollowUp: [apiRoute(FollowUpsController, 'resolve')],
  // Integrations: outbound webhooks.
  webhooks: [apiRoute(WebhooksController, 'list'), apiRoute(WebhooksController, 'attempts')],
  resendWebhook: [apiRoute(WebhooksController, 'resend')],
} satisfies Record<string, readonly ApiRoute[]>;

export type ConsoleNeed = keyof typeof CONSOLE_NEEDS;

export interface ConsoleUser {
  role: Role;
  keyId: string;
  /** Which pages and actions this user may use: the layout shows only those links and buttons. */
  may: Record<ConsoleNeed, boolean>;
}

export function consoleUser(session: { role: Role; keyId: string }): ConsoleUser {
  const may = {} as Record<ConsoleNeed, boolean>;
  for (const need of Object.keys(CONSOLE_NEEDS) as ConsoleNeed[])
    may[need] = mayUse(session.role, CONSOLE_NEEDS[need]);
  return { role: session.role, keyId: session.keyId, may };
}
