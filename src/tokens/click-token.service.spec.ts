import { ClickTokenService } from './click-token.service';

const DELIVERY = '0193a6f2-7c1e-7d11-8a2b-3c4d5e6f7a8b';
const service = (secret: string, previousSecrets: string[] = []) =>
  new ClickTokenService({ secret, previousSecrets });

describe('ClickTokenService', () => {
  const tokens = service('s'.repeat(32));

  it('round-trips a delivery and link, in a short token', () => {
    const token = tokens.issue({ deliveryId: DELIVERY, linkId: 4_000_000_001 });
    expect(token.length).toBeLessThanOrEqual(52);
    expect(tokens.verify(token)).toEqual({ deliveryId: DELIVERY, linkId: 4_000_000_001 });
  });

  it('refuses every altered character, truncation, extension and foreign key', () => {
    const token = tokens.issue({ deliveryId: DELIVERY, linkId: 7 });
    for (let i = 0; i < token.length; i++) {
      const c = token[i] === 'A' ? 'B' : 'A';
      const altered = token.slice(0, i) + c + token.slice(i + 1);
      if (altered !== token) expect(tokens.verify(altered)).toBeNull();
    }
    expect(tokens.verify(token.slice(0, -1))).toBeNull();
    expect(tokens.verify(`${token}A`)).toBeNull();
    expect(tokens.verify(`${token}\u0000`)).toBeNull();
    expect(tokens.verify('x'.repeat(100_000))).toBeNull();
    expect(service('o'.repeat(32)).verify(token)).toBeNull();
  });

  it('still verifies tokens of a previous secret after a rotation', () => {
    const old = service('old-secret-'.repeat(3)).issue({ deliveryId: DELIVERY, linkId: 2 });
    const rotated = service('new-secret-'.repeat(3), ['old-secret-'.repeat(3)]);
    expect(rotated.verify(old)).toEqual({ deliveryId: DELIVERY, linkId: 2 });
    expect(service('new-secret-'.repeat(3)).verify(old)).toBeNull();
  });
});
