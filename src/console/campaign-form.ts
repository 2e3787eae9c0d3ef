import { DateTime } from 'luxon';
import { AUDIENCE_FIELDS, AUDIENCE_OPS } from '../audiences/audience-filter';
import type { CampaignView } from '../campaigns/campaign-view';
import { list, str } from './page';

export const FORM_FIELDS = [
  'name',
  'topic',
  'goal',
  'template',
  'channels',
  'priority',
  'audience',
  'schedule',
  'effectiveAt',
] as const;

export interface AudienceRow {
  field: string;
  op: string;
  value: string;
  errors?: string[];
}

/** The campaign form as the page shows it: every value a string, as typed. */
export interface CampaignForm {
  name: string;
  topic: string;
  goal: string;
  template: string;
  channels: string[];
  priority: string;
  scheduleType: string;
  scheduleAt: string;
  scheduleTimezone: string;
  scheduleCron: string;
  scheduleEvent: string;
  scheduleDelay: string;
  effectiveAt: string;
  match: 'all' | 'any';
  rows: AudienceRow[];
  /** A filter the row builder cannot show (nested groups, not): edited as JSON. */
  audienceJson: string;
}

const BOOLEAN_FIELDS = new Set(['hasEmail', 'hasPhone']);
const NUMBER_FIELDS = new Set(['purchaseCount', 'satisfaction']);
const DAY_OPS = new Set(['withinDays', 'olderThanDays']);
const NUMERIC = /^-?\d+(\.\d+)?$/;

/** A typed value as the filter language wants it: numbers, booleans and lists where they belong. */
export function parseConditionValue(field: string, op: string, raw: string): unknown {
  const v = raw.trim();
  if (op === 'exists') return v !== 'false' && v !== 'no' && v !== '0';
  const scalar = (s: string): unknown => {
    const x = s.trim();
    if (BOOLEAN_FIELDS.has(field)) return x === 'true' ? true : x === 'false' ? false : x;
    if (
      (NUMBER_FIELDS.has(field) || DAY_OPS.has(op) || field.startsWith('attributes.')) &&
      NUMERIC.test(x)
    )
      return Number(x);
    return x;
  };
  if (op === 'in' || op === 'nin')
    return v === ''
      ? []
      : v
          .split(',')
          .map((s) => scalar(s))
          .filter((s) => s !== '');
  return scalar(v);
}

const showValue = (v: unknown): string =>
  Array.isArray(v) ? v.map((x) => String(x)).join(', ') : v === undefined ? '' : String(v);

/** Reads the posted form (urlencoded; repeated fields are arrays). */
export function readCampaignForm(body: Record<string, unknown>): CampaignForm {
  const fields = list(body['row.field']);
  const ops = list(body['row.op']);
  const values = list(body['row.value']);
  const rows: AudienceRow[] = fields.map((field, i) => ({
    field: field.trim(),
    op: ops[i] ?? 'eq',
    value: values[i] ?? '',
  }));
  return {
    name: str(body.name),
    topic: str(body.topic),
    goal: str(body.goal),
    template: str(body.template),
    channels: list(body.channels),
    priority: str(body.priority),
    scheduleType: str(body.scheduleType) || 'now',
    scheduleAt: str(body.scheduleAt),
    scheduleTimezone: str(body.scheduleTimezone) || 'UTC',
    scheduleCron: str(body.scheduleCron),
    scheduleEvent: str(body.scheduleEvent),
    scheduleDelay: str(body.scheduleDelay),
    effectiveAt: str(body.effectiveAt),
    match: str(body.match) === 'any' ? 'any' : 'all',
    rows,
    audienceJson: str(body.audienceJson),
  };
}

/** A local date-time typed in a zone, as an ISO instant with its offset ('' when unreadable). */
function instantIn(local: string, zone: string): string {
  if (!local.trim()) return '';
  const dt = DateTime.fromISO(local.trim(), { zone });
  return dt.isValid ? (dt.toISO({ suppressMilliseconds: true }) ?? '') : local.trim();
}

export function audienceOf(form: CampaignForm): unknown {
  if (form.audienceJson.trim()) {
    try {
      return JSON.parse(form.audienceJson) as unknown;
    } catch {
      return '__invalid_json__';
    }
  }
  const rows = form.rows.filter((r) => r.field !== '');
  if (!rows.length) return {};
  return {
    [form.match]: rows.map((r) => ({
      field: r.field,
      op: r.op,
      value: parseConditionValue(r.field, r.op, r.value),
    })),
  };
}

/** The create/patch body the campaigns service takes; type errors are left for its validation. */
export function campaignBody(form: CampaignForm): Record<string, unknown> {
  let schedule: Record<string, unknown>;
  switch (form.scheduleType) {
    case 'once':
      schedule = { type: 'once', at: instantIn(form.scheduleAt, form.scheduleTimezone) };
      break;
    case 'cron':
      schedule = { type: 'cron', cron: form.scheduleCron.trim(), timezone: form.scheduleTimezone };
      break;
    case 'trigger':
      schedule = {
        type: 'trigger',
        event: form.scheduleEvent,
        delayHours: NUMERIC.test(form.scheduleDelay.trim())
          ? Number(form.scheduleDelay)
          : form.scheduleDelay,
      };
      break;
    default:
      schedule = { type: form.scheduleType };
  }
  const body: Record<string, unknown> = {
    name: form.name.trim(),
    topic: form.topic,
    goal: form.goal,
    template: form.template,
    channels: form.channels,
    audience: audienceOf(form),
    schedule,
  };
  if (form.priority.trim() !== '')
    body.priority = NUMERIC.test(form.priority.trim()) ? Number(form.priority) : form.priority;
  if (form.effectiveAt.trim())
    body.effectiveAt = instantIn(form.effectiveAt, form.scheduleTimezone);
  return body;
}

const flatRows = (
  a: Record<string, unknown>,
): { match: 'all' | 'any'; rows: AudienceRow[] } | null => {
  const keys = Object.keys(a);
  if (keys.length === 0) return { match: 'all', rows: [] };
  if (keys.length !== 1 || (keys[0] !== 'all' && keys[0] !== 'any')) return null;
  const items = a[keys[0]];
  if (!Array.isArray(items)) return null;
  const rows: AudienceRow[] = [];
  for (const c of items as Record<string, unknown>[]) {
    if (typeof c !== 'object' || c === null || typeof c.field !== 'string') return null;
    rows.push({ field: c.field, op: String(c.op), value: showValue(c.value) });
  }
  return { match: keys[0] as 'all' | 'any', rows };
};

/** A stored campaign as the form shows it (times in UTC). */
export function formOfCampaign(c: CampaignView): CampaignForm {
  const s = c.schedule as unknown as Record<string, unknown>;
  const flat = flatRows(c.audience);
  const zone = typeof s.timezone === 'string' ? s.timezone : 'UTC';
  const local = (iso: unknown) =>
    typeof iso === 'string' || iso instanceof Date
      ? (DateTime.fromJSDate(new Date(iso as string), { zone }).toFormat("yyyy-LL-dd'T'HH:mm") ??
        '')
      : '';
  return {
    name: c.name,
    topic: c.topic,
    goal: c.goal,
    template: c.template,
    channels: [...c.channels],
    priority: String(c.priority),
    scheduleType: String(s.type),
    scheduleAt: local(s.at),
    scheduleTimezone: zone,
    scheduleCron: typeof s.cron === 'string' ? s.cron : '',
    scheduleEvent: typeof s.event === 'string' ? s.event : '',
    scheduleDelay: s.delayHours === undefined ? '' : String(s.delayHours),
    effectiveAt: c.effectiveAt ? local(c.effectiveAt) : '',
    match: flat?.match ?? 'all',
    rows: flat?.rows ?? [],
    audienceJson: flat ? '' : JSON.stringify(c.audience, null, 2),
  };
}

export const emptyForm = (): CampaignForm => ({
  name: '',
  topic: '',
  goal: 'engagement',
  template: '',
  channels: ['email'],
  priority: '50',
  scheduleType: 'now',
  scheduleAt: '',
  scheduleTimezone: 'UTC',
  scheduleCron: '',
  scheduleEvent: 'purchase',
  scheduleDelay: '24',
  effectiveAt: '',
  match: 'all',
  rows: [],
  audienceJson: '',
});

/** Service messages by form field; `audience.all[2]…` also lands on row 2. */
export function placeErrors(form: CampaignForm, messages: string[]) {
  const byField: Record<string, string[]> = {};
  const general: string[] = [];
  const rows = form.rows.filter((r) => r.field !== '');
  for (const m of messages) {
    const row = /^audience\.(?:all|any)\[(\d+)\]/.exec(m);
    if (row && rows[Number(row[1])] && !form.audienceJson.trim()) {
      (rows[Number(row[1])].errors ??= []).push(m);
      continue;
    }
    const first = /^(?:property\s+)?([A-Za-z]+)/.exec(m)?.[1] ?? '';
    if ((FORM_FIELDS as readonly string[]).includes(first)) (byField[first] ??= []).push(m);
    else general.push(m);
  }
  form.rows = rows;
  return { byField, general };
}

export const FIELD_CHOICES = AUDIENCE_FIELDS.filter((f) => f !== 'attributes.<key>');
export const OP_CHOICES = [...AUDIENCE_OPS];
