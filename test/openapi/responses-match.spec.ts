import { appendFileSync } from 'node:fs';
import twilio from 'twilio';
import type { Response } from 'supertest';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';
import { validateSchema, type OpenApiLike, type Schema } from '../support/schema-validator';

interface Operation {
  operationId?: string;
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
const TWILIO_SID = `AC${'a'.repeat(32)}`;
const TWILIO_TOKEN = 'test-twilio-auth-token-0123456789';

type Doc = OpenApiLike & { paths: Record<string, Record<string, Operation>> };

/**
 * The document does not lie (issue 19 item 4): real answers of the running app, with real data,
 * validated against the schema the document gives for that operation, status and media type.
 */
describe('the OpenAPI document matches what the app answers', () => {
  let t: TestApp;
  let doc: Doc;
  const checked = new Set<string>();
  const lies: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        TACTFUL_ROLES: 'api',
        TWILIO_ACCOUNT_SID: TWILIO_SID,
        TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
        TWILIO_FROM: '+15005550006',
      },
    });
    await createTopics(t);
    const res = await t.http.get('/docs/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as Doc;
  });
  afterAll(() => t.close());

  /** Validates `res` against the document's `method path` operation; returns the body. */
  function conforms(
    method: string,
    path: string,
    res: Response,
    expectedStatus?: number,
  ): Record<string, unknown> {
    const op = doc.paths[path]?.[method];
    if (!op) throw new Error(`${method} ${path} is not in the document`);
    if (process.env.DUMP_RESPONSES)
      appendFileSync(
        process.env.DUMP_RESPONSES,
        `${method.toUpperCase()} ${path} ${res.status}\n${JSON.stringify(res.body, null, 1)}\n`,
      );
    const key = `${method.toUpperCase()} ${path} ${res.status}`;
    checked.add(`${method.toUpperCase()} ${path}`);
    if (expectedStatus ? res.status !== expectedStatus : res.status >= 400)
      lies.push(`${key}: unexpected status (${res.text.slice(0, 200)})`);
    const answer = op.responses?.[String(res.status)];
    const type = String(res.headers['content-type'] ?? '').split(';')[0];
    const schema = answer?.content?.[type]?.schema;
    if (!answer) lies.push(`${key}: status not documented (${res.text.slice(0, 200)})`);
    else if (res.status === 204) {
      if (answer.content || res.text) lies.push(`${key}: a 204 has no body`);
    } else if (!schema) lies.push(`${key}: no schema for ${type}`);
    else {
      const body: unknown = type === 'application/json' ? res.body : res.text;
      lies.push(...validateSchema(doc, schema, body).map((e) => `${key}: ${e}`));
    }
    return res.body as Record<string, unknown>;
  }

  it('answers as documented across the API', async () => {
    const a = t.admin;
    conforms('get', '/health', await t.http.get('/health'));

    // Topics
    conforms(
      'post',
      '/v1/topics',
      await a.post('/v1/topics').send({
        key: 'news',
        category: 'content',
        title: { en: 'News', ru: 'Новости' },
        cadenceDays: 7,
      }),
    );
    conforms('get', '/v1/topics', await a.get('/v1/topics'));
    conforms('get', '/v1/topics/{key}', await a.get('/v1/topics/news'));
    conforms(
      'patch',
      '/v1/topics/{key}',
      await a.patch('/v1/topics/news').send({ description: { en: 'Weekly news' } }),
    );

    // Customers and consent
    const customer = conforms(
      'post',
      '/v1/customers',
      await a.post('/v1/customers').send({
        externalId: 'contract-1',
        kind: 'consumer',
        name: 'Anna Contract',
        email: 'anna.contract@mail.example',
        phone: '+79161234567',
        locale: 'en',
      }),
    );
    const id = String(customer.id);
    conforms(
      'post',
      '/v1/customers/{id}/consents',
      await a.post(`/v1/customers/${id}/consents`).send({
        channel: 'email',
        topic: 'tips',
        action: 'grant',
        source: 'web-form',
        confirmed: true,
        evidence: { wording: 'Yes, send me tips', wordingVersion: 'tips-1' },
      }),
    );
    conforms('get', '/v1/customers/{id}/consents', await a.get(`/v1/customers/${id}/consents`));
    conforms('get', '/v1/customers', await a.get('/v1/customers'));
    conforms('get', '/v1/customers/{id}', await a.get(`/v1/customers/${id}`));
    conforms(
      'patch',
      '/v1/customers/{id}',
      await a
        .patch(`/v1/customers/${id}`)
        .send({ company: 'Contract LLC', attributes: { vip: true } }),
    );
    conforms(
      'post',
      '/v1/events',
      await a.post('/v1/events').send({
        type: 'purchase',
        customerId: id,
        eventId: 'order-1',
        amount: 10,
        currency: 'RUB',
      }),
    );
    const imported = conforms(
      'post',
      '/v1/customers/import',
      await a
        .post('/v1/customers/import')
        .set('Content-Type', 'application/x-ndjson')
        .send(
          '{"externalId":"contract-2","kind":"consumer","email":"b@mail.example"}\n{"kind":"nope"}\n',
        ),
    );
    conforms('get', '/v1/customers/imports', await a.get('/v1/customers/imports'));
    conforms(
      'get',
      '/v1/customers/imports/{id}',
      await a.get(`/v1/customers/imports/${String(imported.importId)}`),
    );

    // Templates and the preview
    conforms(
      'post',
      '/v1/templates',
      await a.post('/v1/templates').send({
        name: 'contract-tips',
        locales: {
          en: { subject: 'Tips for {{customer.name}}', html: '<p>Hi</p>', text: 'Hi', sms: 'Hi' },
        },
      }),
    );
    conforms('get', '/v1/templates', await a.get('/v1/templates'));
    conforms('get', '/v1/templates/{name}', await a.get('/v1/templates/contract-tips'));
    conforms(
      'get',
      '/v1/templates/{name}/versions',
      await a.get('/v1/templates/contract-tips/versions'),
    );
    conforms(
      'post',
      '/v1/templates/{name}/preview',
      await a.post('/v1/templates/contract-tips/preview').send({ customerId: id }),
    );

    // Audiences, campaigns and their course
    conforms(
      'post',
      '/v1/audiences/count',
      await a.post('/v1/audiences/count').send({ audience: {} }),
    );
    const campaign = conforms(
      'post',
      '/v1/campaigns',
      await a.post('/v1/campaigns').send({
        name: 'Contract',
        topic: 'tips',
        goal: 'engagement',
        template: 'contract-tips',
        channels: ['email'],
        audience: {},
        schedule: { type: 'once', at: '2030-01-01T10:00:00Z' },
      }),
    );
    const cid = String(campaign.id);
    conforms('get', '/v1/campaigns', await a.get('/v1/campaigns'));
    conforms('get', '/v1/campaigns/{id}', await a.get(`/v1/campaigns/${cid}`));
    conforms(
      'patch',
      '/v1/campaigns/{id}',
      await a.patch(`/v1/campaigns/${cid}`).send({ name: 'Contract (renamed)' }),
    );
    conforms('post', '/v1/campaigns/{id}/forecast', await a.post(`/v1/campaigns/${cid}/forecast`));
    conforms(
      'post',
      '/v1/campaigns/{id}/launch',
      await a.post(`/v1/campaigns/${cid}/launch`).send({ acknowledgeWarnings: true }),
    );
    conforms('get', '/v1/campaigns/{id}/progress', await a.get(`/v1/campaigns/${cid}/progress`));
    conforms('post', '/v1/campaigns/{id}/pause', await a.post(`/v1/campaigns/${cid}/pause`));
    conforms(
      'post',
      '/v1/campaigns/{id}/resume',
      await a.post(`/v1/campaigns/${cid}/resume`).send({}),
    );
    conforms('get', '/v1/campaigns/{id}/results', await a.get(`/v1/campaigns/${cid}/results`));
    conforms('get', '/v1/campaigns/{id}/report', await a.get(`/v1/campaigns/${cid}/report`));
    conforms('post', '/v1/campaigns/{id}/cancel', await a.post(`/v1/campaigns/${cid}/cancel`));
    conforms('post', '/v1/campaigns/examples', await a.post('/v1/campaigns/examples'));

    // Policies, keys, suppressions, follow-ups, outbound webhooks
    conforms('get', '/v1/policies/{kind}', await a.get('/v1/policies/consumer'));
    conforms('get', '/v1/policies/{kind}', await a.get('/v1/policies/business'));
    conforms('put', '/v1/policies/{kind}', await a.put('/v1/policies/consumer').send({}));
    conforms('get', '/v1/policies/{kind}/versions', await a.get('/v1/policies/consumer/versions'));
    conforms(
      'post',
      '/v1/api-keys',
      await a.post('/v1/api-keys').send({ role: 'auditor', name: 'contract auditor' }),
    );
    conforms('get', '/v1/api-keys', await a.get('/v1/api-keys'));
    const suppression = conforms(
      'post',
      '/v1/suppressions',
      await a
        .post('/v1/suppressions')
        .send({ email: 'gone@mail.example', reason: 'do_not_contact' }),
    );
    const suppressionId = String(suppression.id);
    conforms(
      'get',
      '/v1/suppressions/check',
      await a.get('/v1/suppressions/check').query({ email: 'gone@mail.example' }),
    );
    conforms('get', '/v1/follow-ups', await a.get('/v1/follow-ups'));
    const hook = conforms(
      'post',
      '/v1/webhooks',
      await a
        .post('/v1/webhooks')
        .send({ url: 'https://crm.example/hooks', events: ['consent.withdrawn'] }),
    );
    conforms('get', '/v1/webhooks', await a.get('/v1/webhooks'));
    conforms(
      'get',
      '/v1/webhooks/{id}/attempts',
      await a.get(`/v1/webhooks/${String(hook.id)}/attempts`),
    );

    // Audit
    conforms('get', '/v1/audit', await a.get('/v1/audit').query({ limit: 50 }));
    conforms('get', '/v1/audit/verify', await a.get('/v1/audit/verify'));
    conforms(
      'get',
      '/v1/audit/export',
      await a.get('/v1/audit/export').query({ format: 'csv' }).buffer(true),
    );
    conforms('get', '/v1/customers/{id}/timeline', await a.get(`/v1/customers/${id}/timeline`));
    conforms('get', '/v1/customers/{id}/evidence', await a.get(`/v1/customers/${id}/evidence`));
    conforms(
      'get',
      '/v1/customers/{id}/evidence',
      await a.get(`/v1/customers/${id}/evidence`).query({ format: 'html' }),
    );

    conforms(
      'get',
      '/v1/audit/export',
      await a.get('/v1/audit/export').query({ format: 'ndjson' }).buffer(true),
    );

    // Deletions answer 204 without a body; errors answer the documented error body.
    conforms('delete', '/v1/topics/{key}', await a.delete('/v1/topics/news'));
    const keys = (await a.get('/v1/api-keys')).body as { items: { id: string; name: string }[] };
    const auditorKey = keys.items.find((k) => k.name === 'contract auditor');
    conforms(
      'delete',
      '/v1/api-keys/{id}',
      await a.delete(`/v1/api-keys/${String(auditorKey?.id)}`),
    );
    conforms(
      'delete',
      '/v1/suppressions/{id}',
      await a.delete(`/v1/suppressions/${suppressionId}`),
    );
    const erased = await a
      .post('/v1/customers')
      .send({ externalId: 'contract-erased', kind: 'consumer', email: 'erase.me@mail.example' });
    conforms(
      'delete',
      '/v1/customers/{id}',
      await a.delete(`/v1/customers/${String(erased.body.id)}`),
    );
    conforms('get', '/v1/customers/{id}', await a.get(`/v1/customers/${String(erased.body.id)}`));
    conforms('delete', '/v1/webhooks/{id}', await a.delete(`/v1/webhooks/${String(hook.id)}`));
    conforms(
      'post',
      '/v1/topics',
      await a.post('/v1/topics').send({ key: 'Not A Key', category: 'nope' }),
      400,
    );
    conforms('get', '/v1/campaigns', await t.http.get('/v1/campaigns'), 401);

    // The mail server's inbound route: a message that is no report, read and left alone.
    conforms(
      'post',
      '/webhooks/email/inbound',
      await a
        .post('/webhooks/email/inbound')
        .set('Content-Type', 'text/plain')
        .send('From: someone@mail.example\r\nSubject: hello\r\n\r\nJust saying hello\r\n'),
    );

    // Twilio's callbacks, signed as Twilio signs them: TwiML answers.
    const twilioPost = (path: string, params: Record<string, string>) =>
      t.http
        .post(path)
        .type('form')
        .set(
          'X-Twilio-Signature',
          twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${t.settings.publicUrl}${path}`, params),
        )
        .send(params);
    conforms(
      'post',
      '/webhooks/twilio/inbound',
      await twilioPost('/webhooks/twilio/inbound', {
        AccountSid: TWILIO_SID,
        MessageSid: `SM${'1'.repeat(32)}`,
        From: '+79161234567',
        To: '+15005550006',
        Body: 'HELP',
        NumMedia: '0',
      }),
    );
    conforms(
      'post',
      '/webhooks/twilio/status',
      await twilioPost('/webhooks/twilio/status', {
        AccountSid: TWILIO_SID,
        MessageSid: `SM${'2'.repeat(32)}`,
        MessageStatus: 'delivered',
      }),
    );

    // Public routes: a tracked link that is not valid answers the 404 page, not JSON.
    conforms('get', '/r/{token}', await t.http.get('/r/not-a-token'), 404);

    expect(lies).toEqual([]);
    expect(checked.size).toBeGreaterThanOrEqual(20);
  }, 120_000);

  it('catches a schema that lies: a missing or undeclared property, a wrong type, null where none is allowed', async () => {
    const topic = (await t.admin.get('/v1/topics/tips')).body as Record<string, unknown>;
    const lying = structuredClone(doc) as Doc & { components: { schemas: Record<string, Schema> } };
    const schema = lying.components.schemas.Topic;
    const props = schema.properties as Record<string, Schema>;
    expect(validateSchema(lying, { $ref: '#/components/schemas/Topic' }, topic)).toEqual([]);
    delete props.archivedAt;
    schema.required = [...(schema.required ?? []), 'retiredAt'];
    props.cadenceDays = { type: 'integer' };
    props.createdAt = { type: 'string', format: 'uuid' };
    props.category = { type: 'string', enum: ['service'] };
    expect(validateSchema(lying, { $ref: '#/components/schemas/Topic' }, topic)).toEqual([
      '$: missing required retiredAt',
      '$.category: "content" not in enum ["service"]',
      '$.cadenceDays: null but not nullable',
      `$.createdAt: ${String(topic.createdAt)} is not a uuid`,
      '$: undeclared property archivedAt',
    ]);
  });
});
