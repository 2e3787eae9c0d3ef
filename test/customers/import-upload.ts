import { spawn } from 'node:child_process';
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from '../support/test-app';

export interface UploadResult {
  status: number;
  body: Record<string, unknown>;
}

/** The in-process app's port, listening on demand (supertest alone never keeps it open). */
export async function portOf(t: TestApp): Promise<number> {
  const server = t.app.getHttpServer();
  if (!server.listening)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** POSTs an import over a real socket; `write` feeds the body (and may abort it). */
export function postImport(
  port: number,
  key: string,
  contentType: string,
  write: (req: ClientRequest) => void,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/v1/customers/import',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': contentType },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 300)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    write(req);
  });
}

/** GET /health again and again until stopped; the slowest answer in milliseconds. */
export function pollHealth(port: number): { stop: () => Promise<{ max: number; count: number }> } {
  let running = true;
  let max = 0;
  let count = 0;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      httpRequest({ port, host: '127.0.0.1', path: '/health' }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`/health answered ${res.statusCode}`));
          max = Math.max(max, performance.now() - started);
          count++;
          resolve();
        });
      })
        .on('error', reject)
        .end();
    });
  const loop = (async () => {
    while (running) {
      await once();
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { max, count };
    },
  };
}

/**
 * POSTs a file through curl in its own process, so the upload's own work does not share the
 * event loop whose responsiveness the test measures.
 */
export function curlImport(
  port: number,
  key: string,
  contentType: string,
  file: string,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', [
      '-sS',
      '-X',
      'POST',
      '-H',
      `Authorization: Bearer ${key}`,
      '-H',
      `Content-Type: ${contentType}`,
      '--data-binary',
      `@${file}`,
      '-w',
      '\n%{http_code}',
      `http://127.0.0.1:${port}/v1/customers/import`,
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const cut = out.lastIndexOf('\n');
      try {
        resolve({ status: Number(out.slice(cut + 1)), body: JSON.parse(out.slice(0, cut)) });
      } catch {
        reject(new Error(`curl exited ${code}: ${err} ${out.slice(0, 300)}`));
      }
    });
  });
}
