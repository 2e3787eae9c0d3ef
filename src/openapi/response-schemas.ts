import { ADMIN_SCHEMAS } from './schemas/admin';
import { AUDIT_SCHEMAS } from './schemas/audit';
import { CAMPAIGN_SCHEMAS } from './schemas/campaigns';
import { anyObject, ref, str, type Schema, type SchemaObject } from './schemas/common';
import { CUSTOMER_SCHEMAS } from './schemas/customers';
import { TEMPLATE_SCHEMAS } from './schemas/templates';

export type { SchemaObject } from './schemas/common';

/** The named response schemas, added to the document's components (schemas/*.ts). */
export const COMPONENT_SCHEMAS: Record<string, Schema> = {
  ...CUSTOMER_SCHEMAS,
  ...CAMPAIGN_SCHEMAS,
  ...TEMPLATE_SCHEMAS,
  ...AUDIT_SCHEMAS,
  ...ADMIN_SCHEMAS,
};

/**
 * JSON success bodies of the operations whose handlers return plain objects (no response DTO
 * class), by operationId: read from what each service returns (views, mappers), so clients
 * generate exact types. test/openapi/responses-match.spec.ts checks real answers against them.
 */
export const RESPONSE_SCHEMAS: Record<string, Schema> = {
  HealthController_check: ref('Health'),
  SuppressionController_add: ref('AddedSuppression'),
  SuppressionController_check: ref('SuppressionCheck'),
  ApiKeysController_create: ref('CreatedApiKey'),
  ApiKeysController_list: ref('ApiKeyList'),
  CustomerImportsController_import: ref('ImportReport'),
  CustomerImportsController_list: ref('ImportRecordList'),
  CustomerImportsController_get: ref('ImportRecord'),
  CustomersController_upsert: ref('Customer'),
  CustomersController_get: ref('Customer'),
  CustomersController_patch: ref('Customer'),
  CustomersController_list: ref('CustomerList'),
  EventsController_record: ref('RecordedEvents'),
  PoliciesController_get: ref('Policy'),
  PoliciesController_put: ref('Policy'),
  PoliciesController_versions: ref('PolicyVersions'),
  TopicsController_create: ref('Topic'),
  TopicsController_list: ref('TopicList'),
  TopicsController_get: ref('Topic'),
  TopicsController_patch: ref('Topic'),
  ConsentController_record: ref('RecordedConsent'),
  ConsentController_list: ref('ConsentLedger'),
  AudiencesController_count: ref('AudienceCount'),
  TemplatesController_create: ref('CreatedTemplate'),
  TemplatesController_list: ref('TemplateList'),
  TemplatesController_get: ref('Template'),
  TemplatesController_versions: ref('TemplateVersions'),
  TemplatesController_preview: ref('TemplatePreview'),
  CampaignsController_create: ref('Campaign'),
  CampaignsController_list: ref('CampaignList'),
  CampaignsController_createExamples: ref('CampaignList'),
  CampaignsController_get: ref('Campaign'),
  CampaignsController_update: ref('Campaign'),
  CampaignsController_launch: ref('LaunchedCampaign'),
  CampaignsController_pause: ref('Campaign'),
  CampaignsController_resume: ref('Campaign'),
  CampaignsController_cancel: ref('Campaign'),
  CampaignsController_progress: ref('CampaignProgress'),
  CampaignsController_forecast: ref('CampaignForecast'),
  FeedbackController_emailReport: ref('FeedbackResult'),
  InboundMailController_receive: ref('InboundMailResult'),
  AuditController_list: ref('AuditPage'),
  AuditController_verify: ref('AuditVerifyReport'),
  CustomerAuditController_timeline: ref('Timeline'),
  CustomerAuditController_bundle: ref('EvidenceBundle'),
  CampaignReportController_report: ref('CampaignReport'),
};

const twiml: SchemaObject = { ...str, description: 'TwiML: <Response>…</Response>' };
const html: SchemaObject = { ...str, description: 'An HTML page' };

/** Success bodies that are not (only) JSON, by operationId and media type. */
export const RESPONSE_CONTENT: Record<string, Record<string, Schema>> = {
  TwilioInboundController_receive: { 'text/xml': twiml },
  FeedbackController_twilioStatus: { 'text/xml': twiml },
  AuditController_export: {
    'application/x-ndjson': { ...str, description: 'One AuditEvent JSON object a line' },
    'text/csv': { ...str, description: 'A header row, then one row an event' },
  },
  CustomerAuditController_bundle: {
    'application/json': ref('EvidenceBundle'),
    'text/html': { ...html, description: 'The printable evidence page (?format=html)' },
  },
};

/** Error pages that are HTML, not the JSON error body, by operationId and status. */
export const HTML_ERRORS: Record<string, Record<string, string>> = {
  ClickController_follow: { '404': 'The branded "link not valid" page' },
  ClickController_head: { '404': 'The link is not valid' },
};

/** The fallback for a success answer with a body but no schema: an object, described. */
export const ANY_OBJECT = anyObject;
