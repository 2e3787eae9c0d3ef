import { blockingFolder, dataDirAdvice, type ServerUser } from './data-dir-access';

const postgres: ServerUser = { name: 'postgres', uid: 101, gids: [104] };
const root = { uid: 0, gid: 0 };

/** A file system as a table of folder → mode and owner; missing folders are not created yet. */
function fs(table: Record<string, { mode: number; uid?: number; gid?: number }>) {
  return (path: string) => {
    const f = table[path];
    return f ? { mode: 0o040000 | f.mode, uid: f.uid ?? root.uid, gid: f.gid ?? root.gid } : null;
  };
}

describe('blockingFolder', () => {
  it('names /root (0700) on the way to a clone under it', () => {
    const stat = fs({
      '/': { mode: 0o755 },
      '/root': { mode: 0o700 },
      '/root/tactful': { mode: 0o755 },
      '/root/tactful/var': { mode: 0o755 },
    });
    expect(blockingFolder('/root/tactful/var', postgres, stat)).toBe('/root');
  });

  it('passes a path every folder of which others may enter', () => {
    const stat = fs({
      '/': { mode: 0o755 },
      '/work': { mode: 0o755 },
      '/work/main': { mode: 0o711 },
      '/work/main/var': { mode: 0o755 },
    });
    expect(blockingFolder('/work/main/var', postgres, stat)).toBeNull();
  });

  it("uses the owner's bit for the user's own folder and the group bit for its group", () => {
    const stat = fs({
      '/': { mode: 0o755 },
      '/srv': { mode: 0o750, gid: 104 },
      '/srv/pg': { mode: 0o700, uid: 101 },
    });
    expect(blockingFolder('/srv/pg', postgres, stat)).toBeNull();
    // The same folders for a user outside the group and not the owner.
    expect(blockingFolder('/srv/pg', { name: 'other', uid: 200, gids: [200] }, stat)).toBe('/srv');
  });

  it('stops at the first folder that does not exist yet (it is created below a checked one)', () => {
    const stat = fs({ '/': { mode: 0o755 }, '/tmp': { mode: 0o1777 } });
    expect(blockingFolder('/tmp/new/var', postgres, stat)).toBeNull();
  });

  it('advice is one line naming the folder and the setting to use', () => {
    const line = dataDirAdvice('/root/tactful/var/pg', '/root', 'postgres');
    expect(line).not.toContain('\n');
    expect(line).toContain('/root');
    expect(line).toContain('TACTFUL_DATA_DIR=');
    expect(line).toContain('DATABASE_URL');
  });
});
