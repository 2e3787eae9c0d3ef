import { createTestApp, TestApp } from '../support/test-app';

describe('/v1/topics', () => {
  let t: TestApp;
  let marketer: string;
  let auditor: string;
  let integration: string;
  const tips = {
    key: 'tips',
    category: 'content',
    cadenceDays: 30,
    title: { ru: 'Полезные советы', en: 'Useful tips' },
    description: { ru: 'Раз в месяц', en: 'Once a month' },
  };

  beforeAll(async () => {
    t = await createTestApp();
    [marketer, auditor, integration] = await Promise.all([
      t.keyFor('marketer'),
      t.keyFor('auditor'),
      t.keyFor('integration'),
    ]);
  });
  afterAll(() => t.close());

  const topicCount = async () =>
    Number((await t.db.query('SELECT count(*)::int AS n FROM topics'))[0].n);

  it('creates a topic (marketer), audits it with the key id, and reads it back', async () => {
    const res = await t.as(marketer).post('/v1/topics').send(tips);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...tips, archivedAt: null, createdAt: expect.any(String) });

    const [key] = await t.db.query(`SELECT id FROM api_keys WHERE role = 'marketer'`);
    const audit = await t.db.query(
      `SELECT actor, data FROM audit_events WHERE type = 'admin.topic_created'`,
    );
    expect(audit).toEqual([
      { actor: `key:${key.id}`, data: expect.objectContaining({ topic: 'tips' }) },
    ]);

    for (const k of [auditor, integration, marketer]) {
      const one = await t.as(k).get('/v1/topics/tips');
      expect(one.status).toBe(200);
      expect(one.body.title).toEqual(tips.title);
    }
    const list = await t.as(auditor).get('/v1/topics');
    expect(list.body).toEqual({
      items: [expect.objectContaining({ key: 'tips' })],
      nextCursor: null,
    });
  });

  it('answers 409 for a key already used and 404 for an unknown one', async () => {
    const again = await t.admin.post('/v1/topics').send(tips);
    expect(again.status).toBe(409);
    expect(again.body.message.join()).toMatch(/key tips/);
    expect((await t.admin.get('/v1/topics/nothing')).status).toBe(404);
    expect((await t.admin.get('/v1/topics/Bad!Key')).status).toBe(400);
  });

  it.each([
    [{ ...tips, key: 'Tips!' }, /^key must/],
    [{ ...tips, key: 'x' }, /^key must/],
    [{ ...tips, key: '*' }, /^key must/],
    [{ ...tips, key: 'a'.repeat(41) }, /^key must/],
    [{ ...tips, key: 'other', category: 'spam' }, /^category must be one of/],
    [{ ...tips, key: 'other', cadenceDays: -7 }, /^cadenceDays must be at least 1/],
    [{ ...tips, key: 'other', cadenceDays: 1.5 }, /^cadenceDays must be a whole number/],
    [{ ...tips, key: 'other', title: {} }, /^title must have a text/],
    [{ ...tips, key: 'other', title: 'Tips' }, /^title must be an object/],
    [{ ...tips, key: 'other', title: { russian: 'x' } }, /^title has "russian"/],
    [{ ...tips, key: 'other', description: { en: '' } }, /^description\.en must be/],
    [{ ...tips, key: 'other', colour: 'red' }, /property colour should not exist/],
  ])('refuses %j naming the field, writing nothing', async (body, message) => {
    const before = await topicCount();
    const res = await t.as(marketer).post('/v1/topics').send(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(await topicCount()).toBe(before);
  });

  it('patches title, description and cadence; null clears the cadence', async () => {
    const res = await t
      .as(marketer)
      .patch('/v1/topics/tips')
      .send({ title: { ru: 'Советы', en: 'Tips' }, cadenceDays: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      title: { ru: 'Советы', en: 'Tips' },
      description: tips.description,
      cadenceDays: null,
      category: 'content',
    });
    const bad = await t.as(marketer).patch('/v1/topics/tips').send({ cadenceDays: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.message.join()).toMatch(/cadenceDays/);
    const audit = await t.db.query(
      `SELECT data FROM audit_events WHERE type = 'admin.topic_changed'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].data.before.cadenceDays).toBe(30);
    expect(audit[0].data.after.cadenceDays).toBeNull();
  });

  it('changes the category while no consent names the topic, and refuses afterwards', async () => {
    await t.admin.post('/v1/topics').send({ ...tips, key: 'offers', category: 'content' });
    const ok = await t.as(marketer).patch('/v1/topics/offers').send({ category: 'promotional' });
    expect(ok.status).toBe(200);
    expect(ok.body.category).toBe('promotional');

    const customer = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-topics', kind: 'consumer', email: 'topics@example.ru' });
    const grant = await t
      .as(integration)
      .post(`/v1/customers/${customer.body.id}/consents`)
      .send({
        channel: 'email',
        topic: 'offers',
        action: 'grant',
        source: 'web-form',
        evidence: { wording: 'Да, присылайте предложения', wordingVersion: 'offers-1' },
      });
    expect(grant.status).toBe(201);
    const refused = await t.as(marketer).patch('/v1/topics/offers').send({ category: 'content' });
    expect(refused.status).toBe(409);
    expect(refused.body.message.join()).toMatch(/category/);
    const same = await t.as(marketer).patch('/v1/topics/offers').send({ cadenceDays: 90 });
    expect(same.status).toBe(200);
    expect(same.body.category).toBe('promotional');
  });

  it('archives on DELETE: hidden from the list, still readable, and audited', async () => {
    await t.admin.post('/v1/topics').send({ ...tips, key: 'old-news' });
    const res = await t.as(marketer).delete('/v1/topics/old-news');
    expect(res.status).toBe(204);
    expect((await t.as(marketer).delete('/v1/topics/old-news')).status).toBe(204);
    const list = await t.admin.get('/v1/topics');
    expect(list.body.items.map((x: { key: string }) => x.key)).not.toContain('old-news');
    const all = await t.admin.get('/v1/topics?includeArchived=true');
    expect(all.body.items.map((x: { key: string }) => x.key)).toContain('old-news');
    const one = await t.admin.get('/v1/topics/old-news');
    expect(one.body.archivedAt).toEqual(expect.any(String));
    expect((await t.admin.patch('/v1/topics/old-news').send({ cadenceDays: 5 })).status).toBe(409);
    const audit = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE type = 'admin.topic_archived'`,
    );
    expect(audit[0].n).toBe(1);
  });

  it('lets auditors and integrations read but not write (403)', async () => {
    for (const k of [auditor, integration]) {
      expect(
        (
          await t
            .as(k)
            .post('/v1/topics')
            .send({ ...tips, key: 'nope' })
        ).status,
      ).toBe(403);
      expect((await t.as(k).patch('/v1/topics/tips').send({ cadenceDays: 7 })).status).toBe(403);
      expect((await t.as(k).delete('/v1/topics/tips')).status).toBe(403);
    }
    expect((await t.http.get('/v1/topics')).status).toBe(401);
  });
});
