import { isRetryable } from './transactions';

describe('isRetryable', () => {
  it('retries deadlocks and serialization failures only', () => {
    expect(isRetryable({ driverError: { code: '40P01' } })).toBe(true);
    expect(isRetryable({ driverError: { code: '40001' } })).toBe(true);
    expect(isRetryable({ driverError: { code: '23505' } })).toBe(false);
    expect(isRetryable({ code: '40P01' })).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable(null)).toBe(false);
  });
});
