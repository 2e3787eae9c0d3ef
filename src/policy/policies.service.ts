import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { DEFAULT_POLICIES, validatePolicy, type ContactPolicy, type CustomerKind } from './engine';
import { invalid } from '../common/domain-error';

export interface StoredPolicy {
  policy: ContactPolicy;
  createdAt: Date | null;
  createdBy: string | null;
}

// Top-level fields a policy document may carry; `kind` and `version` are set by the server.
const EDITABLE = [
  'budgets',
  'channels',
  'voice',
  'businessHours',
  'quietHours',
  'fatigue',
  'review',
  'announcementNoticeDays',
  'lapseDays',
  'deferHorizonDays',
] as const;

@Injectable()
export class PoliciesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
  ) {}

  /** The policy in force: the newest stored version, or the built-in default (version 1). */
  async current(kind: CustomerKind): Promise<StoredPolicy> {
    const rows: { body: ContactPolicy; created_at: Date; created_by: string | null }[] =
      await this.dataSource.query(
        `SELECT body, created_at, created_by FROM contact_policies WHERE kind = $1 ORDER BY version DESC LIMIT 1`,
        [kind],
      );
    if (!rows.length) return { policy: DEFAULT_POLICIES[kind], createdAt: null, createdBy: null };
    return { policy: rows[0].body, createdAt: rows[0].created_at, createdBy: rows[0].created_by };
  }

  async versions(kind: CustomerKind): Promise<StoredPolicy[]> {
    const rows: { body: ContactPolicy; created_at: Date; created_by: string | null }[] =
      await this.dataSource.query(
        `SELECT body, created_at, created_by FROM contact_policies WHERE kind = $1 ORDER BY version DESC`,
        [kind],
      );
    const stored = rows.map((r) => ({
      policy: r.body,
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
    return [...stored, { policy: DEFAULT_POLICIES[kind], createdAt: null, createdBy: null }];
  }

  /** Validates and saves a new version; the audit keeps who changed what, before and after. */
  async update(kind: CustomerKind, body: unknown, actor: string): Promise<StoredPolicy> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalid(['body must be a policy object']);
    }
    const doc = body as Record<string, unknown>;
    const unknown = Object.keys(doc).filter(
      (k) => !(EDITABLE as readonly string[]).includes(k) && k !== 'kind' && k !== 'version',
    );
    if (unknown.length) throw invalid(unknown.map((k) => `property ${k} should not exist`));
    if (doc.kind !== undefined && doc.kind !== kind) {
      throw invalid([`kind must be ${kind} (the policy named in the path)`]);
    }
    return this.dataSource.transaction(async (m) => {
      // Serialise saves per kind so two admins cannot both create the same version.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('contact_policies:' || $1))`, [kind]);
      const [row]: { body: ContactPolicy }[] = await m.query(
        `SELECT body FROM contact_policies WHERE kind = $1 ORDER BY version DESC LIMIT 1`,
        [kind],
      );
      const before = row?.body ?? DEFAULT_POLICIES[kind];
      // Fields left out keep their current values, so a PUT may change one rule at a time.
      const next = { ...before, ...pick(doc), kind, version: before.version + 1 } as ContactPolicy;
      const errors = validatePolicy(next);
      if (errors.length) throw invalid(errors);
      await m.query(
        `INSERT INTO contact_policies (kind, version, body, created_by) VALUES ($1, $2, $3, $4)`,
        [kind, next.version, JSON.stringify(next), actor],
      );
      await this.audit.record(
        {
          type: 'admin.policy_changed',
          actor,
          policyVersion: next.version,
          data: { kind, fromVersion: before.version, toVersion: next.version, before, after: next },
        },
        m,
      );
      return { policy: next, createdAt: new Date(), createdBy: actor };
    });
  }
}

function pick(doc: Record<string, unknown>): Partial<ContactPolicy> {
  const out: Record<string, unknown> = {};
  for (const k of EDITABLE) if (doc[k] !== undefined) out[k] = doc[k];
  return out as Partial<ContactPolicy>;
}
