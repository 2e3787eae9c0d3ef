import { contactLockBuckets } from './contact-lock';

describe('contactLockBuckets', () => {
  it('gives each distinct 10-bit id prefix once, in ascending order', () => {
    expect(
      contactLockBuckets([
        'ffff0000-0000-4000-8000-000000000000',
        '003faaaa-0000-4000-8000-000000000000',
        '0001bbbb-0000-4000-8000-000000000000',
        '7ac70000-0000-4000-8000-000000000000',
      ]),
    ).toEqual([0, 0x7ac >> 2, 0x3ff]);
  });

  it('never gives more than 1,024 buckets', () => {
    const ids = Array.from(
      { length: 5000 },
      (_, i) =>
        `${(i * 859_963).toString(16).padStart(8, '0').slice(-8)}-0000-4000-8000-000000000000`,
    );
    const buckets = contactLockBuckets(ids);
    expect(buckets.length).toBeLessThanOrEqual(1024);
    expect(Math.max(...buckets)).toBeLessThan(1024);
  });

  it('gives the same bucket to a customer wherever it is locked from', () => {
    const id = '3f2a9c10-1b2c-4d5e-8f90-123456789abc';
    expect(contactLockBuckets([id])).toEqual([0x3f2 >> 2]);
    expect(contactLockBuckets(['00000000-0000-4000-8000-000000000000', id])).toContain(0x3f2 >> 2);
  });

  it('is empty for no customers', () => {
    expect(contactLockBuckets([])).toEqual([]);
  });
});
