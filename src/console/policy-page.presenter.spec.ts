import { DEFAULT_POLICIES } from '../policy/engine';
import {
  editablePolicyText,
  isPolicyKind,
  policyTabs,
  policyTitle,
  policyVersionRow,
} from './policy-page.presenter';
import { TEXTS } from './texts';

describe('console policy page presenter', () => {
  const t = TEXTS.en;

  it('knows the two kinds and nothing else', () => {
    expect(isPolicyKind('consumer')).toBe(true);
    expect(isPolicyKind('business')).toBe(true);
    for (const k of ['', 'Consumer', 'consumer\u0000', '__proto__', 'x'.repeat(10_000)])
      expect(isPolicyKind(k)).toBe(false);
  });

  it('titles the page and marks the shown tab', () => {
    expect(policyTitle(t, 'business')).toBe(`${t.policies}: ${t.policy_business}`);
    expect(policyTabs(t, 'business')).toEqual([
      { kind: 'consumer', label: t.policy_consumer, current: false },
      { kind: 'business', label: t.policy_business, current: true },
    ]);
  });

  it('edits the policy without its kind and version', () => {
    const policy = DEFAULT_POLICIES.consumer;
    const edited = JSON.parse(editablePolicyText(policy)) as Record<string, unknown>;
    expect(edited).not.toHaveProperty('kind');
    expect(edited).not.toHaveProperty('version');
    expect({ ...edited, kind: policy.kind, version: policy.version }).toEqual(
      JSON.parse(JSON.stringify(policy)),
    );
  });

  it('shows a built-in version as such and a stored one with its date and author', () => {
    const policy = DEFAULT_POLICIES.consumer;
    expect(policyVersionRow({ policy, createdAt: null, createdBy: null }, t, 'en')).toEqual({
      version: policy.version,
      created: t.builtIn,
      createdBy: '—',
      policyJson: JSON.stringify(policy, null, 2),
    });
    const stored = policyVersionRow(
      { policy, createdAt: new Date('2026-05-06T07:08:00Z'), createdBy: 'key:abc' },
      t,
      'en',
    );
    expect(stored).toMatchObject({ created: '6 May 2026, 07:08 (UTC)', createdBy: 'key:abc' });
  });
});
