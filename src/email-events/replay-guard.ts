import type { DataSource } from 'typeorm';

/** How long a signed request's token is remembered; older timestamps are refused anyway. */
export const REPLAY_MEMORY_HOURS = 24;

const REMEMBER_TOKEN = `
  INSERT INTO webhook_replay_guard (provider, token, seen_at) VALUES ($1, $2, $3)
  ON CONFLICT DO NOTHING RETURNING 1`;

const FORGET_OLD_TOKENS = `
  DELETE FROM webhook_replay_guard
   WHERE provider = $1 AND seen_at < $2::timestamptz - make_interval(hours => $3)`;

/** True the first time a provider's token is seen; false for a replay. */
export async function firstSighting(
  ds: DataSource,
  provider: string,
  token: string,
  at: Date,
): Promise<boolean> {
  await ds.query(FORGET_OLD_TOKENS, [provider, at, REPLAY_MEMORY_HOURS]);
  const rows: unknown[] = await ds.query(REMEMBER_TOKEN, [provider, token, at]);
  return rows.length > 0;
}

const FORGET_TOKEN = `DELETE FROM webhook_replay_guard WHERE provider = $1 AND token = $2`;

/** A request that failed after its token was remembered: its retry must be let in. */
export async function forgetSighting(
  ds: DataSource,
  provider: string,
  token: string,
): Promise<void> {
  await ds.query(FORGET_TOKEN, [provider, token]);
}
