import { contactLockBuckets } from './contact-lock';

describe('contactLockBuckets', () => {
  it('gives each distinct 16-bit id prefix once, in ascending order', () => {
    expect(
      contactLockBuckets([
        'ffff0000-0000-4000-8000-000000000000',
        '0001aaaa-0000-4000-8000-000000000000',
        '0001bbbb-0000-4000-8000-000000000000',
        '7ac70000-0000-4000-8000-000000000000',
      ]),
    ).toEqual([0x0001, 0x7ac7, 0xffff]);
  });

  it('gives the same bucket to a customer wherever it is locked from', () => {
    const id = '3f2a9c10-1b2c-4d5e-8f90-123456789abc';
    expect(contactLockBuckets([id])).toEqual([0x3f2a]);
    expect(contactLockBuckets(['00000000-0000-4000-8000-000000000000', id])).toContain(0x3f2a);
  });

  it('is empty for no customers', () => {
    expect(contactLockBuckets([])).toEqual([]);
  });
});
