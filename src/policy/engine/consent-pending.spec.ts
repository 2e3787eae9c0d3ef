import { marketingConsentProblem } from './consent';
import type { ConsentEntry } from './types';

const at = (iso: string) => new Date(iso);

describe('a grant pending its own channel’s confirmation (needsConfirmation)', () => {
  const pending: ConsentEntry = {
    channel: 'sms',
    topic: 'tips',
    status: 'granted',
    since: at('2026-11-01T00:00:00Z'),
    needsConfirmation: true,
  };

  it('allows no marketing on SMS, where a plain grant would do', () => {
    expect(marketingConsentProblem({ entries: [pending] }, 'sms', 'tips')).toBe(
      'consent_unconfirmed',
    );
    const plain = { ...pending, needsConfirmation: false };
    expect(marketingConsentProblem({ entries: [plain] }, 'sms', 'tips')).toBeNull();
  });

  it('allows it once confirmed', () => {
    const confirmed: ConsentEntry = { ...pending, status: 'confirmed', needsConfirmation: false };
    expect(marketingConsentProblem({ entries: [pending, confirmed] }, 'sms', 'tips')).toBeNull();
  });

  it('a withdrawal still wins', () => {
    const withdrawn: ConsentEntry = {
      channel: 'sms',
      topic: '*',
      status: 'withdrawn',
      since: at('2026-11-02T00:00:00Z'),
    };
    expect(marketingConsentProblem({ entries: [pending, withdrawn] }, 'sms', 'tips')).toBe(
      'consent_withdrawn',
    );
  });
});
