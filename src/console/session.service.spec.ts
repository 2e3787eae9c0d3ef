import type { DataSource } from 'typeorm';
import type { ApiKeysService } from '../auth/api-keys.service';
import { SystemClock } from '../common/clock';
import type { Settings } from '../config/settings';
import { ConsoleSessionService } from './session.service';

const service = (publicUrl: string) =>
  new ConsoleSessionService({} as DataSource, {} as ApiKeysService, new SystemClock(), {
    publicUrl,
    secret: 's'.repeat(40),
    publicRateLimit: 2,
  } as Settings);

describe('ConsoleSessionService (no database)', () => {
  it('marks cookies Secure only behind https', () => {
    expect(service('https://tactful.example').secureCookies).toBe(true);
    expect(service('http://localhost:3000').secureCookies).toBe(false);
  });

  it('binds CSRF tokens to their session', () => {
    const s = service('http://x');
    expect(s.csrfFor('a')).toBe(s.csrfFor('a'));
    expect(s.csrfFor('a')).not.toBe(s.csrfFor('b'));
  });

  it('blocks an address after PUBLIC_RATE_LIMIT failed sign-ins', () => {
    const s = service('http://x');
    s.countFailure('1.2.3.4');
    expect(s.blocked('1.2.3.4')).toBe(false);
    s.countFailure('1.2.3.4');
    expect(s.blocked('1.2.3.4')).toBe(true);
    expect(s.blocked('5.6.7.8')).toBe(false);
  });
});
