import type { ApiKeyEntity } from '../auth/api-key.entity';
import { keyRow, keySubject } from './key-page.presenter';

describe('console keys page presenter', () => {
  const key = (over: Partial<ApiKeyEntity> = {}) =>
    ({
      id: 'k1',
      name: 'ci',
      role: 'integration',
      keyPrefix: 'tk_abcd',
      keyHash: 'secret-hash',
      createdAt: new Date('2026-02-03T04:05:00Z'),
      revokedAt: null,
      ...over,
    }) as unknown as ApiKeyEntity;

  it('lists a key by its prefix, never its hash, marking the signed-in one and revoked ones', () => {
    const row = keyRow(key(), 'k1', 'en');
    expect(row).toEqual({
      id: 'k1',
      name: 'ci',
      role: 'integration',
      prefix: 'tk_abcd',
      created: '3 Feb 2026, 04:05 (UTC)',
      revoked: false,
      self: true,
    });
    expect(JSON.stringify(row)).not.toContain('secret-hash');
    expect(keyRow(key({ revokedAt: new Date() }), 'other', 'en')).toMatchObject({
      revoked: true,
      self: false,
    });
  });

  it('names the key in the revoke confirmation', () => {
    expect(keySubject(key())).toBe('ci (tk_abcd…)');
  });
});
