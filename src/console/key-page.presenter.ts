import type { ApiKeyEntity } from '../auth/api-key.entity';
import { fmtDate } from './page';

/** A key as the keys page lists it: never the key itself, only its prefix. */
export const keyRow = (k: ApiKeyEntity, ownKeyId: string, lang: 'ru' | 'en', zone = 'UTC') => ({
  id: k.id,
  name: k.name,
  role: k.role,
  prefix: k.keyPrefix,
  created: fmtDate(k.createdAt, lang, zone),
  revoked: k.revokedAt !== null,
  self: k.id === ownKeyId,
});

/** How the revoke confirmation names the key. */
export const keySubject = (k: Pick<ApiKeyEntity, 'name' | 'keyPrefix'>) =>
  `${k.name} (${k.keyPrefix}…)`;

export const KEY_FIELDS = ['role', 'name'] as const;
export const EMPTY_KEY_FORM = { name: '', role: 'marketer' };
