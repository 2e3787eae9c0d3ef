import { createServer } from 'node:net';

/**
 * A TCP port free right now on 127.0.0.1, for a child process to listen on. Another process may
 * take it before the child binds it: wait for the child to say it listens before trusting it.
 */
export function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const srv = createServer().on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}
