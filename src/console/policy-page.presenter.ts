import type { ContactPolicy, CustomerKind } from '../policy/engine';
import type { StoredPolicy } from '../policy/policies.service';
import { fmtDate } from './page';
import type { Texts } from './texts';

export const POLICY_KINDS: readonly CustomerKind[] = ['consumer', 'business'];

export const isPolicyKind = (kind: string): kind is CustomerKind =>
  (POLICY_KINDS as readonly string[]).includes(kind);

const kindLabel = (t: Texts, kind: CustomerKind) => (t as Record<string, string>)[`policy_${kind}`];

export const policyTitle = (t: Texts, kind: CustomerKind) => `${t.policies}: ${kindLabel(t, kind)}`;

/** One tab per customer kind, the shown one marked. */
export const policyTabs = (t: Texts, kind: CustomerKind) =>
  POLICY_KINDS.map((k) => ({ kind: k, label: kindLabel(t, k), current: k === kind }));

/** What the editor shows: the policy without its kind and version, which are not edited. */
export function editablePolicyText(policy: ContactPolicy): string {
  const { kind: _k, version: _v, ...editable } = policy;
  return JSON.stringify(editable, null, 2);
}

export const policyVersionRow = (v: StoredPolicy, t: Texts, lang: 'ru' | 'en', zone = 'UTC') => ({
  version: v.policy.version,
  created: v.createdAt ? fmtDate(v.createdAt, lang, zone) : t.builtIn,
  createdBy: v.createdBy ?? '—',
  // not `json`: that name is the Handlebars helper, which would print the page data instead
  policyJson: JSON.stringify(v.policy, null, 2),
});
