import { SettingsError } from '../config/settings';
import { DatabaseStartError } from '../database/data-dir-access';

/**
 * What a command prints when it cannot start: the one line for failures the operator can fix
 * (a bad setting, a data folder the database cannot reach), the stack for anything else.
 */
export function startupFailureText(err: unknown): string {
  if (err instanceof SettingsError || err instanceof DatabaseStartError) return err.message;
  return String((err as Error).stack ?? err);
}
