import { Writable } from 'node:stream';
import { Logger as NestLogger } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { QueryFailedError } from 'typeorm';
import { CustomersService } from '../../src/customers/customers.service';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';
import { postSignIn } from '../support/console-session';

/**
 * Issue 15 item 5: the app's real pino logger writes to a captured stream while the test drives
 * every failure path it can; the captured lines hold none of the personal values or tokens.
 */
const NAME = 'Zinaida Privatova';
const EMAIL = 'zina.privatova@example.org';
const PHONE = '+79165554477';
const COMPANY = 'Privatova Trading';
const SECRETS = [
  NAME,
  'zinaida',
  'privatova',
  EMAIL,
  'zina.privatova',
  PHONE,
  '9165554477',
  '5554477',
].map((s) => s.toLowerCase());

class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

describe('logs carry no personal data, parameters or tokens', () => {
  let t: TestApp;
  const log = new Capture();
  const tokens: string[] = [];
  let integration: string;
  let customerId: string;

  beforeAll(async () => {
    t = await createTestApp({ log });
    await createTopics(t);
    integration = await t.keyFor('integration');
    const made = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'log-1', kind: 'consumer', email: 'plain@example.net' });
    customerId = made.body.id;
    // A database that refuses the person's data, quoting it in the message and the detail, as
    // PostgreSQL does for check and unique violations.
    await t.db.query(`
      CREATE FUNCTION test_refuse_person() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.email LIKE '%privatova%' OR NEW.name LIKE '%Privatova%' THEN
          RAISE EXCEPTION 'refused row % % %', NEW.name, NEW.email, NEW.phone
            USING DETAIL = 'Failing row contains (' || NEW.name || ', ' || NEW.email || ')',
                  ERRCODE = '23514', CONSTRAINT = 'ck_test_person', TABLE = 'customers';
        END IF;
        RETURN NEW;
      END $$`);
    await t.db.query(`
      CREATE TRIGGER test_refuse_person BEFORE INSERT OR UPDATE ON customers
      FOR EACH ROW EXECUTE FUNCTION test_refuse_person()`);
  });
  afterAll(() => t.close());

  const person = {
    externalId: 'crm-zina',
    kind: 'business',
    name: NAME,
    email: EMAIL,
    phone: PHONE,
    company: COMPANY,
    accountManager: { name: NAME, phone: PHONE },
    attributes: { note: `${NAME} ${EMAIL}` },
  };

  it('a database error during a request with personal data in its parameters', async () => {
    const res = await t.admin.post('/v1/customers').send(person);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: ['internal error'],
    });
    const patched = await t.admin.patch(`/v1/customers/${customerId}`).send({ name: NAME });
    expect(patched.status).toBe(500);
    const lines = log.lines.filter((l) => l.includes('unhandled error'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // The useful part stays: class, SQLSTATE, constraint, table, and where it happened.
    const entry = JSON.parse(lines[0]);
    expect(entry.error).toMatchObject({
      type: 'QueryFailedError',
      message: 'database error 23514',
      code: '23514',
      constraint: 'ck_test_person',
      table: 'customers',
    });
    expect(entry.path).toBe('/v1/customers');
    expect(entry.error.parameters).toBeUndefined();
    expect(entry.error.query).toBeUndefined();
  });

  it('an import whose rows the database refuses, and import row errors', async () => {
    const good = JSON.stringify(person);
    const bad = JSON.stringify({
      ...person,
      externalId: 'crm-zina-2',
      email: `not-an-email ${NAME}`,
    });
    const res = await t
      .as(integration)
      .post('/v1/customers/import')
      .set('Content-Type', 'application/x-ndjson')
      .send(`${bad}\n${good}\n${'{"externalId": "x", "name": "' + NAME + '"'}\n`);
    expect(res.status).toBeGreaterThanOrEqual(200);
    const csv = await t
      .as(integration)
      .post('/v1/customers/import?format=csv')
      .set('Content-Type', 'text/csv')
      .send(`externalId,kind,name,email,phone\ncrm-z3,consumer,${NAME},${EMAIL},${PHONE}\n`);
    expect(csv.status).toBeGreaterThanOrEqual(200);
  });

  it('validation errors and bad JSON quoting the person', async () => {
    const res = await t.admin
      .post('/v1/customers')
      .send({ ...person, email: `${NAME} <${EMAIL}>`, phone: `call ${PHONE}`, extra: EMAIL });
    expect(res.status).toBe(400);
    const broken = await t.admin
      .post('/v1/customers')
      .set('Content-Type', 'application/json')
      .send(`{"name": "${NAME}", "email": "${EMAIL}"`);
    expect(broken.status).toBe(400);
    const subscribe = await t.http
      .post('/v1/subscribe')
      .send({ email: `${EMAIL}@@`, name: NAME, topics: ['tips'], wordingVersion: 'v' });
    expect(subscribe.status).toBe(400);
  });

  it('a console error (a database error with parameters, thrown under a console page)', async () => {
    const key = await t.keyFor('marketer');
    const signed = await postSignIn(t, key);
    const session = /tactful_console=([^;]+)/.exec(
      (signed.headers['set-cookie'] as unknown as string[]).join('\n'),
    )?.[1];
    expect(session).toBeTruthy();
    const customers = t.app.get(CustomersService);
    const spy = jest.spyOn(customers, 'list').mockImplementationOnce(async (q) => {
      const driver = Object.assign(new Error(`invalid input syntax: "${q.email}"`), {
        code: '22P02',
        detail: `Key (email)=(${q.email})`,
      });
      throw new QueryFailedError('SELECT * FROM customers WHERE email = $1', [q.email], driver);
    });
    const before = log.lines.length;
    const res = await t.http
      .get(`/console/customers?by=email&q=${encodeURIComponent(EMAIL)}`)
      .set('Cookie', `tactful_console=${session}; tactful_console_lang=en`);
    spy.mockRestore();
    expect(res.status).toBe(500);
    const consoleLines = log.lines.slice(before).filter((l) => l.includes('console error'));
    expect(consoleLines).toHaveLength(1);
    expect(JSON.parse(consoleLines[0]).error).toMatchObject({
      type: 'QueryFailedError',
      code: '22P02',
    });
  });

  it('a raw error logged anywhere else goes through the err serializer', async () => {
    const driver = Object.assign(new Error(`duplicate key: "${EMAIL}"`), {
      code: '23505',
      constraint: 'ux_customers_email',
      detail: `Key (email)=(${EMAIL}) already exists.`,
    });
    const raw = new QueryFailedError('INSERT … $1, $2', [NAME, PHONE], driver);
    t.app.get(Logger).error({ err: raw }, 'raw error');
    new NestLogger('elsewhere').error(raw);
    new NestLogger('careless').warn(`could not reach ${EMAIL} at ${PHONE}`);
    await new Promise((r) => setImmediate(r));
    const lines = log.lines.filter((l) => l.includes('"raw error"') || l.includes('"elsewhere"'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(lines[0]).err).toMatchObject({
      type: 'QueryFailedError',
      code: '23505',
      constraint: 'ux_customers_email',
    });
  });

  it('token paths in any letter case, with query strings, on every token-bearing route', async () => {
    const issuer = t.app.get(LinkTokenService);
    const prefs = issuer.issue({
      purpose: 'preferences',
      customerId,
      channel: 'email',
      topic: '*',
    });
    const unsub = issuer.issue({
      purpose: 'unsubscribe',
      customerId,
      channel: 'email',
      topic: 'tips',
    });
    const confirm = issuer.issue({ purpose: 'confirm', customerId, channel: 'email', topic: '*' });
    tokens.push(prefs, unsub, confirm);
    const paths = [
      `/p/${prefs}`,
      `/P/${prefs}`,
      `/u/${unsub}`,
      `/U/${unsub}`,
      `/confirm/${confirm}`,
      `/CONFIRM/${confirm}`,
      `/Confirm/${confirm}?email=${encodeURIComponent(EMAIL)}`,
      `/r/${prefs}`,
      `/R/${prefs}`,
      `/webhooks/twilio/${unsub}`,
      `/p/${prefs}/${encodeURIComponent(EMAIL)}`,
    ];
    for (const path of paths) await t.http.get(path);
    await t.http.post(`/U/${unsub}`).type('form').send({ 'List-Unsubscribe': 'One-Click' });
    const requests = log.lines.filter((l) => /"req":/.test(l));
    expect(requests.length).toBeGreaterThanOrEqual(paths.length);
    expect(log.text).toContain('/P/:token');
    expect(log.text).toContain('/CONFIRM/:token');
  });

  it('leaves none of the personal values or tokens in the captured log', () => {
    expect(log.lines.length).toBeGreaterThan(20);
    const text = log.text.toLowerCase();
    expect(SECRETS.filter((s) => text.includes(s))).toEqual([]);
    for (const token of tokens) {
      // Any 12-character piece of a token's payload or signature would be enough to leak it.
      for (const part of token.split('.').slice(1)) {
        expect(log.text).not.toContain(part.slice(0, 12));
      }
    }
  });
});
