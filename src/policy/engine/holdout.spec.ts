import { decide } from './decide';
import { holdoutBucket, isHeldOut } from './holdout';
import { at, customer, input, message } from './testing/fixtures';

// uuid-shaped ids from a seeded generator: the spec stays reproducible and the engine's fence holds.
let seed = 0x2545f491;
function next(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}
const hex = (n: number) => next().toString(16).padStart(8, '0').slice(0, n);
const randomUUID = (): string => `${hex(8)}-${hex(4)}-7${hex(3)}-8${hex(3)}-${hex(8)}${hex(4)}`;
const ids = (n: number): string[] => Array.from({ length: n }, () => randomUUID());

/** Four standard deviations of a binomial count: fails by chance about once in 16,000 runs. */
function binomialBounds(n: number, p: number): [number, number] {
  const sd = Math.sqrt(n * p * (1 - p));
  return [n * p - 4 * sd, n * p + 4 * sd];
}

describe('holdout split', () => {
  it.each([5, 10, 20, 50])('holds out %i%% of 2,000 customers within binomial bounds', (pct) => {
    const campaign = randomUUID();
    const held = ids(2000).filter((c) => isHeldOut(campaign, c, pct)).length;
    const [low, high] = binomialBounds(2000, pct / 100);
    expect(held).toBeGreaterThanOrEqual(low);
    expect(held).toBeLessThanOrEqual(high);
  });

  it('is stable for one campaign and customer, and differs between campaigns', () => {
    const customers = ids(1000);
    const [a, b] = [randomUUID(), randomUUID()];
    const first = customers.map((c) => isHeldOut(a, c, 30));
    expect(customers.map((c) => isHeldOut(a, c, 30))).toEqual(first);
    const other = customers.map((c) => isHeldOut(b, c, 30));
    // Independent draws agree on about 58% (0.7² + 0.3²); the same draw would agree on 100%.
    const agree = first.filter((x, i) => x === other[i]).length;
    expect(agree).toBeLessThan(700);
  });

  it('nests: a larger percent holds out everyone a smaller one does', () => {
    const campaign = randomUUID();
    for (const c of ids(500))
      if (isHeldOut(campaign, c, 10)) expect(isHeldOut(campaign, c, 20)).toBe(true);
  });

  it('holds out nobody at 0 and buckets stay within 0…9999', () => {
    const campaign = randomUUID();
    for (const c of ids(200)) {
      expect(isHeldOut(campaign, c, 0)).toBe(false);
      const b = holdoutBucket(campaign, c);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(10_000);
    }
  });
});

describe('decide with a holdout', () => {
  // A customer id and campaign id pair that the 50% split holds out, and one it does not.
  const campaignId = 'camp-holdout';
  const pool = ids(200);
  const heldId = pool.find((c) => isHeldOut(campaignId, c, 50)) as string;
  const keptId = pool.find((c) => !isHeldOut(campaignId, c, 50)) as string;

  it('skips an eligible customer of the control group with held_out', () => {
    const d = decide(
      input({
        customer: customer({ id: heldId }),
        message: message({ campaignId, holdoutPercent: 50 }),
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'held_out' });
    const kept = decide(
      input({
        customer: customer({ id: keptId }),
        message: message({ campaignId, holdoutPercent: 50 }),
      }),
    );
    expect(kept.kind).toBe('send');
  });

  it('keeps the reason of a customer the campaign could not reach anyway', () => {
    const d = decide(
      input({
        customer: customer({ id: heldId }),
        consent: { entries: [] },
        message: message({ campaignId, holdoutPercent: 50 }),
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'no_consent' });
  });

  it('holds out a customer whose message would be deferred to the morning too', () => {
    const base = input({
      customer: customer({ id: heldId }),
      now: at('2026-06-10T03:00', 'Europe/Moscow'),
      message: message({ campaignId }),
    });
    expect(decide(base).kind).toBe('defer');
    const held = decide({ ...base, message: message({ campaignId, holdoutPercent: 50 }) });
    expect(held).toMatchObject({ kind: 'skip', reason: 'held_out' });
  });
});
