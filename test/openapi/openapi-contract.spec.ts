import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { createTestApp, createTopics, ADMIN_KEY, type TestApp } from '../support/test-app';

const run = promisify(execFile);
const BIN = join(__dirname, '../../node_modules/.bin');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  summary?: string;
  operationId?: string;
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/**
 * The OpenAPI document as a contract (issue 19 item 4): Redocly's recommended rules report no
 * error, every operation has a summary and a success schema, and a client generated from it
 * compiles and works.
 */
describe('the OpenAPI document', () => {
  let t: TestApp;
  let dir: string;
  let doc: { paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>> };
  const file = () => join(dir, 'openapi.json');

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    await createTopics(t);
    dir = mkdtempSync(join(tmpdir(), 'tactful-openapi-'));
    const res = await t.http.get('/docs/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
    writeFileSync(file(), res.text);
  });
  afterAll(() => t.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.flatMap((m) => (item[m] ? [{ key: `${m.toUpperCase()} ${path}`, op: item[m] }] : [])),
    );

  it('passes Redocly lint with the recommended rules: 0 errors', async () => {
    const out = await run(join(BIN, 'redocly'), ['lint', file(), '--format=json'], {
      maxBuffer: 20 * 1024 * 1024,
    }).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
    const report = JSON.parse(out.stdout) as {
      totals: { errors: number };
      problems: {
        ruleId: string;
        severity: string;
        message: string;
        location: { pointer: string }[];
      }[];
    };
    const errors = report.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it('gives every operation a summary and a success schema; public ones declare security: []', () => {
    const missing: string[] = [];
    for (const { key, op } of operations()) {
      if (!op.summary) missing.push(`${key}: no summary`);
      // A redirect route (GET /r/{token}) answers 302 with Location: its success has no body.
      const ok = Object.entries(op.responses ?? {}).find(([c]) => /^[23]\d\d$/.test(c));
      if (!ok) missing.push(`${key}: no 2xx or 3xx response`);
      else if (
        ok[0] !== '204' &&
        !ok[0].startsWith('3') &&
        !Object.values(ok[1].content ?? {}).some((c) => c.schema)
      )
        missing.push(`${key}: no success schema`);
      if (!Array.isArray(op.security)) missing.push(`${key}: no security`);
    }
    expect(missing).toEqual([]);
    const publicOps = operations()
      .filter(({ op }) => op.security?.length === 0)
      .map(({ key }) => key);
    expect(publicOps).toEqual(
      expect.arrayContaining(['GET /health', 'POST /v1/subscribe', 'POST /webhooks/email/ses']),
    );
    expect(publicOps).not.toContain('POST /v1/customers');
  });

  it('describes cadenceDays as a number and the bearer scheme as an API key, not a JWT', () => {
    const full = JSON.parse(readFileSync(file(), 'utf8'));
    expect(full.components.schemas.CreateTopicDto.properties.cadenceDays.type).toBe('number');
    expect(full.components.securitySchemes.bearer.bearerFormat).not.toMatch(/jwt/i);
  });

  it('generates a typed client that compiles, runs, and refuses a wrong field', async () => {
    // Defaults (timezone, locale) stay optional in request bodies.
    await run(join(BIN, 'openapi-typescript'), [
      file(),
      '--default-non-nullable',
      'false',
      '-o',
      join(dir, 'schema.d.ts'),
    ]);
    const program = readFileSync(join(__dirname, 'client-program.ts.txt'), 'utf8');
    writeFileSync(join(dir, 'client.ts'), program);
    const tsc = (entry: string) =>
      run(
        join(BIN, 'tsc'),
        [
          '--strict',
          '--noEmit',
          '--target',
          'es2022',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--types',
          'node',
          '--typeRoots',
          join(__dirname, '../../node_modules/@types'),
          entry,
        ],
        { cwd: dir },
      );
    await tsc('client.ts');
    // The types bite: a misspelt field of the answer does not compile.
    writeFileSync(join(dir, 'wrong.ts'), program.replace('customer.id', 'customer.identifier'));
    await expect(tsc('wrong.ts')).rejects.toMatchObject({
      stdout: expect.stringContaining('identifier'),
    });

    // And it works against the running app.
    const tpl = await t.admin.post('/v1/templates').send({
      name: 'typed-tips',
      locales: { en: { subject: 'Tips', html: '<p>Hi</p>', text: 'Hi' } },
    });
    expect(tpl.status).toBe(201);
    const campaign = await t.admin.post('/v1/campaigns').send({
      name: 'Typed',
      topic: 'tips',
      goal: 'engagement',
      template: 'typed-tips',
      channels: ['email'],
      audience: {},
      schedule: { type: 'once', at: '2030-01-01T10:00:00Z' },
    });
    expect(campaign.status).toBe(201);
    const server = await t.app.listen(0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const out = await run(process.execPath, ['-r', '@swc-node/register', join(dir, 'client.ts')], {
      cwd: join(__dirname, '../..'),
      env: {
        ...process.env,
        TACTFUL_URL: `http://127.0.0.1:${port}`,
        TACTFUL_KEY: ADMIN_KEY,
        TACTFUL_CAMPAIGN: campaign.body.id,
      },
    });
    expect(JSON.parse(out.stdout)).toMatchObject({
      status: 'confirmed',
      planned: 0,
      campaign: 'draft',
    });
  }, 120_000);
});
