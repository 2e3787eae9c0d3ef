import { ManualClock } from '../support/clock';
import { PlannerService } from '../../src/planning/planner.service';
import { aCustomer, aDelivery } from '../support/builders';
import { createTestApp, createTopics, TestApp } from '../support/test-app';

// No sender timer: deliveries stay as the tests put them (the planner is ticked by hand).
// REPLY_TO set: the built-in templates ask for replies, which would otherwise be a content warning.
const API_ONLY = { TACTFUL_ROLES: 'api', REPLY_TO: 'support@shop.example' };

const NOW = new Date('2026-11-23T12:00:00Z'); // a Monday
const DAY = 86_400_000;

describe('/v1/campaigns', () => {
  let t: TestApp;
  const clock = new ManualClock(NOW);
  let marketer: string;
  let auditor: string;
  let marketerId: string;

  const base = {
    name: 'Spring tips',
    topic: 'tips',
    goal: 'retention',
    template: 'tips',
    channels: ['email', 'sms'],
    priority: 50,
    audience: { all: [{ field: 'kind', op: 'eq', value: 'consumer' }] },
    schedule: { type: 'now' },
  };

  const create = async (body: Record<string, unknown>, key = marketer) => {
    const res = await t.as(key).post('/v1/campaigns').send(body);
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string } & Record<string, unknown>;
  };
  const auditOf = (campaignId: string, type: string) =>
    t.db.query(
      `SELECT actor, reason, data FROM audit_events WHERE campaign_id = $1 AND type = $2 ORDER BY id`,
      [campaignId, type],
    );
  const count = async () =>
    Number((await t.db.query('SELECT count(*)::int AS n FROM campaigns'))[0].n);

  beforeAll(async () => {
    t = await createTestApp({ clock, env: API_ONLY });
    await createTopics(t);
    for (const key of ['announcements', 'care', 'reviews']) {
      const res = await t.admin
        .post('/v1/topics')
        .send({ key, category: 'service', title: { en: key } });
      expect(res.status).toBe(201);
    }
    [marketer, auditor] = await Promise.all([t.keyFor('marketer'), t.keyFor('auditor')]);
    [{ id: marketerId }] = await t.db.query(`SELECT id FROM api_keys WHERE role = 'marketer'`);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock.current = NOW;
  });

  describe('create and read', () => {
    it('creates a draft (marketer), audits it with the key, and reads it back', async () => {
      const res = await t.as(marketer).post('/v1/campaigns').send(base);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        ...base,
        id: expect.any(String),
        status: 'draft',
        templateVersion: null,
        effectiveAt: null,
        createdBy: `key:${marketerId}`,
        launchedAt: null,
      });
      const audit = await auditOf(res.body.id, 'campaign.created');
      expect(audit).toEqual([
        {
          actor: `key:${marketerId}`,
          reason: null,
          data: { after: expect.objectContaining({ name: 'Spring tips', status: 'draft' }) },
        },
      ]);
      const one = await t.as(auditor).get(`/v1/campaigns/${res.body.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: res.body.id, ...base });
    });

    it('lets auditors read but not write, and refuses other roles', async () => {
      const integration = await t.keyFor('integration');
      expect((await t.as(auditor).post('/v1/campaigns').send(base)).status).toBe(403);
      expect((await t.as(integration).get('/v1/campaigns')).status).toBe(403);
      expect((await t.as(auditor).get('/v1/campaigns')).status).toBe(200);
      expect((await t.admin.post('/v1/campaigns').send(base)).status).toBe(201);
    });

    it('answers 404 for an unknown campaign and 400 for a malformed id', async () => {
      const missing = await t
        .as(marketer)
        .get('/v1/campaigns/00000000-0000-4000-8000-000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body.message.join()).toMatch(/campaign .* not found/);
      const bad = await t.as(marketer).get('/v1/campaigns/not-a-uuid');
      expect(bad.status).toBe(400);
      expect(bad.body.message).toEqual(['id must be a UUID']);
    });
  });

  describe('bad input is a 400 naming the field, and nothing is written', () => {
    const voiceBusiness = {
      ...base,
      channels: ['voice', 'email'],
      audience: { all: [{ field: 'kind', op: 'eq', value: 'business' }] },
    };
    it.each([
      [{ ...base, name: '' }, /^name must have/],
      [{ ...base, goal: 'spam' }, /^goal must be one of/],
      [{ ...base, channels: [] }, /^channels must list at least one/],
      [{ ...base, channels: ['email', 'email'] }, /^channels must not repeat/],
      [{ ...base, channels: ['email', 'fax'] }, /^channels must contain only/],
      [{ ...base, priority: 101 }, /^priority must be at most 100/],
      [{ ...base, priority: -1 }, /^priority must be at least 0/],
      [{ ...base, priority: 1.5 }, /^priority must be a whole number/],
      [{ ...base, topic: 'nothing' }, /^topic nothing does not exist/],
      [{ ...base, template: 'no-such-template' }, /^template no-such-template does not exist/],
      [{ ...base, topic: 'care' }, /^topic: topic care is a service topic; retention campaigns/],
      [{ ...base, goal: 'care' }, /^topic: topic tips is a content topic; care campaigns need/],
      [{ ...base, audience: 'everyone' }, /^audience must be a filter object/],
      [
        { ...base, audience: { all: [{ field: 'kind', op: 'like', value: 'x' }] } },
        /^audience\.all\[0\]/,
      ],
      [{ ...base, audience: { field: 'shoeSize', op: 'eq', value: 1 } }, /^audience.*shoeSize/],
      [
        { ...base, audience: { field: 'subscribedTo', op: 'eq', value: 'nosuchtopic' } },
        /^audience.*unknown topic "nosuchtopic"/,
      ],
      [{ ...base, effectiveAt: '2027-01-01T00:00:00Z' }, /^effectiveAt is only for announcement/],
      [{ ...base, colour: 'red' }, /property colour should not exist/],
    ])('refuses %j', async (body, message) => {
      const before = await count();
      const res = await t.as(marketer).post('/v1/campaigns').send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
      expect(await count()).toBe(before);
    });

    it('accepts voice for business contacts on a content topic', async () => {
      const res = await t.as(marketer).post('/v1/campaigns').send(voiceBusiness);
      expect(res.status).toBe(201);
      expect(res.body.channels).toEqual(['voice', 'email']);
    });

    it('accepts voice first over a mixed audience on an offers topic; launch warns that nobody can be called', async () => {
      const res = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({
          ...base,
          name: 'mixed calls',
          topic: 'offers',
          goal: 'engagement',
          channels: ['voice', 'email', 'sms'],
        });
      expect(res.status).toBe(201);
      const launched = await t.as(marketer).post(`/v1/campaigns/${res.body.id}/launch`).send({});
      expect(launched.status).toBe(202);
      expect(launched.body.calls).toBe(0);
      expect(launched.body.warnings).toEqual([
        expect.stringMatching(
          /^channels: voice is listed but no business contact in the audience can be called/,
        ),
      ]);
    });
  });

  describe('schedules', () => {
    it.each([
      [{ type: 'now' }],
      [{ type: 'once', at: '2026-11-30T10:00:00+03:00' }],
      [{ type: 'cron', cron: '0 10 * * 1', timezone: 'Europe/Moscow' }],
      [{ type: 'trigger', event: 'purchase', delayHours: 48 }],
      [{ type: 'trigger', event: 'lapsed', delayHours: 0 }],
    ])('accepts %j', async (schedule) => {
      const res = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({ ...base, schedule });
      expect(res.status).toBe(201);
      expect(res.body.schedule).toEqual(schedule);
    });

    it('accepts a review trigger on satisfaction with one reminder', async () => {
      const schedule = {
        type: 'trigger',
        event: 'satisfaction',
        delayHours: 2,
        minScore: 4,
        reminder: { afterDays: 7, template: 'review-reminder', unless: 'review_posted' },
      };
      const res = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({
          ...base,
          topic: 'reviews',
          goal: 'review',
          template: 'review-request',
          schedule,
        });
      expect(res.status).toBe(201);
      expect(res.body.schedule).toEqual(schedule);
    });

    it.each([
      [{ type: 'weekly' }, /^schedule\.type must be one of now, once, cron, trigger/],
      [{ type: 'once', at: '2026-11-23T11:59:00Z' }, /^schedule\.at must be in the future/],
      [{ type: 'once', at: '2026-12-01T10:00:00' }, /^schedule\.at must be an ISO 8601 time/],
      [{ type: 'once' }, /^schedule\.at must be/],
      [{ type: 'cron', cron: '61 10 * * *', timezone: 'UTC' }, /^schedule\.cron is not valid/],
      [{ type: 'cron', cron: 'every monday', timezone: 'UTC' }, /^schedule\.cron must have 5/],
      [{ type: 'cron', cron: '0 * * * *', timezone: 'UTC' }, /more often than once a day/],
      [{ type: 'cron', cron: '0 10 31 2 *', timezone: 'UTC' }, /^schedule\.cron is not valid/],
      [{ type: 'cron', cron: '0 10 * * 1', timezone: 'Mars/Olympus' }, /^schedule\.timezone/],
      [{ type: 'cron', cron: '0 10 * * 1' }, /^schedule\.timezone must be an IANA/],
      [{ type: 'now', at: '2026-12-01T10:00:00Z' }, /property schedule\.at should not exist/],
      [{ type: 'trigger', event: 'birthday', delayHours: 1 }, /^schedule\.event must be one of/],
      [{ type: 'trigger', event: 'purchase', delayHours: -1 }, /^schedule\.delayHours/],
      [{ type: 'trigger', event: 'purchase', delayHours: 1, minScore: 4 }, /^schedule\.minScore/],
      [
        { type: 'trigger', event: 'satisfaction', delayHours: 1, minScore: 6 },
        /^schedule\.minScore must be a whole score/,
      ],
      [
        {
          type: 'trigger',
          event: 'satisfaction',
          delayHours: 1,
          reminder: { afterDays: 7, template: 'review-reminder' },
        },
        /^schedule\.reminder is only for review campaigns/,
      ],
    ])('refuses %j naming the field', async (schedule, message) => {
      const before = await count();
      const res = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({ ...base, schedule });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
      expect(await count()).toBe(before);
    });

    it('refuses a reminder template that does not exist', async () => {
      const res = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({
          ...base,
          topic: 'reviews',
          goal: 'review',
          template: 'review-request',
          schedule: {
            type: 'trigger',
            event: 'satisfaction',
            delayHours: 1,
            reminder: { afterDays: 7, template: 'nope' },
          },
        });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['schedule.reminder.template nope does not exist']);
    });
  });

  describe('announcements', () => {
    const announcement = {
      ...base,
      name: 'Price change',
      topic: 'announcements',
      goal: 'announcement',
      template: 'announcement',
      audience: {},
    };

    it('needs effectiveAt', async () => {
      const res = await t.as(marketer).post('/v1/campaigns').send(announcement);
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([expect.stringMatching(/^effectiveAt is required/)]);
    });

    it('refuses a notice shorter than the policy (notice_too_short), counted from the first send', async () => {
      const short = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({ ...announcement, effectiveAt: new Date(NOW.getTime() + 13 * DAY).toISOString() });
      expect(short.status).toBe(400);
      expect(short.body.message).toEqual([
        expect.stringMatching(/^effectiveAt notice_too_short: .* at least 14 days/),
      ]);
      // 15 days after now, but only 10 after the scheduled send
      const late = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({
          ...announcement,
          schedule: { type: 'once', at: new Date(NOW.getTime() + 5 * DAY).toISOString() },
          effectiveAt: new Date(NOW.getTime() + 15 * DAY).toISOString(),
        });
      expect(late.status).toBe(400);
      expect(late.body.message.join()).toMatch(/notice_too_short/);
    });

    it('follows the policy when an admin lengthens the notice', async () => {
      const body = {
        ...announcement,
        effectiveAt: new Date(NOW.getTime() + 20 * DAY).toISOString(),
      };
      expect((await t.as(marketer).post('/v1/campaigns').send(body)).status).toBe(201);
      const put = await t.admin.put('/v1/policies/business').send({ announcementNoticeDays: 30 });
      expect(put.status).toBe(200);
      const res = await t.as(marketer).post('/v1/campaigns').send(body);
      expect(res.status).toBe(400);
      expect(res.body.message.join()).toMatch(/notice_too_short: .* at least 30 days/);
      await t.admin.put('/v1/policies/business').send({ announcementNoticeDays: 14 });
    });

    const texts = {
      ru: {
        title: 'Новые цены на доставку',
        summary: 'С 1 января доставка по городу стоит 300 ₽.',
      },
      en: { title: 'New delivery prices', summary: 'From 1 January delivery in town costs 300 ₽.' },
    };

    it('needs its customer-facing title and summary at launch (a 400 naming announcement), then launches', async () => {
      const c = await create({
        ...announcement,
        name: 'internal: Q1 delivery repricing',
        effectiveAt: new Date(NOW.getTime() + 30 * DAY).toISOString(),
      });
      expect(c.announcement).toBeNull();
      const refused = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
      expect(refused.status).toBe(400);
      expect(refused.body.message).toEqual([
        expect.stringMatching(
          /^announcement: an announcement needs its customer-facing title and summary/,
        ),
      ]);
      const patched = await t
        .as(marketer)
        .patch(`/v1/campaigns/${c.id}`)
        .send({
          announcement: {
            ...texts,
            ru: { title: '  Новые цены на доставку ', summary: texts.ru.summary },
          },
        });
      expect(patched.status).toBe(200);
      expect(patched.body.announcement).toEqual(texts);
      expect((await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({})).status).toBe(202);
    });

    it.each([
      [
        { ru: { title: '', summary: 'x' } },
        /^announcement\.ru\.title must have 1 to 120 characters/,
      ],
      [
        { ru: { title: 'x', summary: 'y'.repeat(601) } },
        /^announcement\.ru\.summary must have 1 to 600/,
      ],
      [{ ru: { title: 'x' } }, /^announcement\.ru\.summary must have/],
      [{ ru: { title: 'x', summary: 'y', extra: 1 } }, /^announcement\.ru\.extra should not exist/],
      [
        { 'not a locale': { title: 'x', summary: 'y' } },
        /^announcement\.not a locale must be a locale/,
      ],
      [{ ru: 'Новые цены' }, /^announcement\.ru must be an object/],
      ['Новые цены', /^announcement must be an object/],
    ])('refuses announcement %j naming the field', async (value, message) => {
      const res = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({
          ...announcement,
          effectiveAt: new Date(NOW.getTime() + 30 * DAY).toISOString(),
          announcement: value,
        });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    });

    it('keeps announcement texts to announcements', async () => {
      const res = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({ ...base, announcement: texts });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['announcement is only for announcement campaigns']);
    });

    it('re-checks the notice at launch', async () => {
      const c = await create({
        ...announcement,
        name: 'launched late',
        effectiveAt: new Date(NOW.getTime() + 15 * DAY).toISOString(),
        announcement: texts,
      });
      clock.current = new Date(NOW.getTime() + 2 * DAY);
      const res = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([expect.stringMatching(/^effectiveAt notice_too_short/)]);
      clock.current = NOW;
      expect((await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({})).status).toBe(202);
    });

    it('accepts a long enough notice', async () => {
      const effectiveAt = new Date(NOW.getTime() + 30 * DAY).toISOString();
      const res = await t
        .as(marketer)
        .post('/v1/campaigns')
        .send({ ...announcement, effectiveAt });
      expect(res.status).toBe(201);
      expect(res.body.effectiveAt).toBe(effectiveAt);
    });
  });

  describe('list', () => {
    it('filters by status, goal and topic and pages newest first with a cursor', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        clock.current = new Date(NOW.getTime() + 3600_000 + i * 1000);
        ids.push(
          (await create({ ...base, name: `paged ${i}`, topic: 'offers', goal: 'winback' })).id,
        );
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `/v1/campaigns?goal=winback&topic=offers&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.as(auditor).get(q);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((c: { id: string }) => c.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());

      await t.as(marketer).post(`/v1/campaigns/${ids[0]}/cancel`).expect(200);
      const cancelled = await t.as(auditor).get('/v1/campaigns?status=cancelled&goal=winback');
      expect(cancelled.body).toEqual({
        items: [expect.objectContaining({ id: ids[0], status: 'cancelled' })],
        nextCursor: null,
      });
      const drafts = await t.as(auditor).get('/v1/campaigns?status=draft&topic=offers');
      expect(drafts.body.items.map((c: { id: string }) => c.id)).not.toContain(ids[0]);
    });

    it.each([
      ['status=running-ish', /^status must be one of/],
      ['goal=spam', /^goal must be one of/],
      ['cursor=garbage', /^cursor is not valid/],
      ['limit=ten', /^limit must be a whole number/],
    ])('refuses ?%s', async (q, message) => {
      const res = await t.as(marketer).get(`/v1/campaigns?${q}`);
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([expect.stringMatching(message)]);
    });
  });

  describe('update', () => {
    it('changes a draft, audited with before and after', async () => {
      const c = await create({ ...base, name: 'to edit' });
      const res = await t
        .as(marketer)
        .patch(`/v1/campaigns/${c.id}`)
        .send({ name: 'edited', priority: 80, channels: ['sms'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'edited', priority: 80, channels: ['sms'] });
      expect((await t.as(auditor).get(`/v1/campaigns/${c.id}`)).body.name).toBe('edited');
      const [audit] = await auditOf(c.id, 'campaign.updated');
      expect(audit.actor).toBe(`key:${marketerId}`);
      expect(audit.data.changed).toEqual(['name', 'priority', 'channels']);
      expect(audit.data.before).toMatchObject({ name: 'to edit', priority: 50 });
      expect(audit.data.after).toMatchObject({ name: 'edited', priority: 80 });
    });

    it('validates the merged campaign', async () => {
      const c = await create({ ...base, name: 'merged' });
      const res = await t.as(marketer).patch(`/v1/campaigns/${c.id}`).send({ goal: 'care' });
      expect(res.status).toBe(400);
      expect(res.body.message.join()).toMatch(/care campaigns need a service topic/);
      const bad = await t
        .as(marketer)
        .patch(`/v1/campaigns/${c.id}`)
        .send({ schedule: { type: 'cron', cron: '0 10 * * 1', timezone: 'Nowhere/City' } });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toEqual([expect.stringMatching(/^schedule\.timezone/)]);
      expect((await t.as(marketer).get(`/v1/campaigns/${c.id}`)).body.goal).toBe('retention');
    });

    it('refuses to change a launched campaign (409 naming the status)', async () => {
      const c = await create({ ...base, name: 'launched then edited' });
      await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({}).expect(202);
      const res = await t.as(marketer).patch(`/v1/campaigns/${c.id}`).send({ name: 'x' });
      expect(res.status).toBe(409);
      expect(res.body.message).toEqual([
        `campaign ${c.id} is scheduled; only a draft can be changed`,
      ]);
    });
  });

  describe('lifecycle', () => {
    const steps = (id: string) =>
      t.db.query(
        `SELECT step, due_at, status FROM campaign_steps WHERE campaign_id = $1 ORDER BY step`,
        [id],
      );

    it('launches a `now` campaign: 202, scheduled, template pinned, step 0 due now, audited', async () => {
      const c = await create({ ...base, name: 'launch now' });
      const res = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
      expect(res.status).toBe(202);
      expect(res.body.campaign).toMatchObject({
        status: 'scheduled',
        templateVersion: 1,
        launchedAt: NOW.toISOString(),
        // tips is a content topic: the built-in template is checked, and calm
        contentCheck: { level: 'ok' },
      });
      expect(res.body.step).toEqual({ step: 0, dueAt: NOW.toISOString() });
      expect(await steps(c.id)).toEqual([{ step: 0, due_at: NOW, status: 'pending' }]);
      const [audit] = await auditOf(c.id, 'campaign.launched');
      expect(audit).toMatchObject({
        actor: `key:${marketerId}`,
        data: { from: 'draft', to: 'scheduled', templateVersion: 1 },
      });
    });

    it.each([
      [{ type: 'once', at: '2026-11-30T07:00:00Z' }, '2026-11-30T07:00:00.000Z'],
      // 10:00 Moscow on the first of the month = 07:00 UTC
      [{ type: 'cron', cron: '0 10 1 * *', timezone: 'Europe/Moscow' }, '2026-12-01T07:00:00.000Z'],
      [
        { type: 'cron', cron: '0 9 * * 1', timezone: 'America/New_York' },
        '2026-11-23T14:00:00.000Z',
      ],
      [{ type: 'trigger', event: 'purchase', delayHours: 48 }, NOW.toISOString()],
    ])('launches %j with step 0 due at %s', async (schedule, due) => {
      const c = await create({ ...base, name: 'scheduled', schedule });
      const res = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
      expect(res.status).toBe(202);
      expect(res.body.step.dueAt).toBe(due);
      expect(await steps(c.id)).toEqual([{ step: 0, due_at: new Date(due), status: 'pending' }]);
    });

    it('re-checks the schedule at launch: a `once` time now past is a 400', async () => {
      const c = await create({
        ...base,
        name: 'stale',
        schedule: { type: 'once', at: '2026-11-24T10:00:00Z' },
      });
      clock.current = new Date('2026-11-25T00:00:00Z');
      const res = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['schedule.at must be in the future']);
      expect((await t.as(marketer).get(`/v1/campaigns/${c.id}`)).body.status).toBe('draft');
      expect(await steps(c.id)).toEqual([]);
    });

    it('pauses and resumes back to where it was; cancels; illegal moves are 409 naming the status', async () => {
      const c = await create({ ...base, name: 'moves' });
      const post = (action: string) =>
        t.as(marketer).post(`/v1/campaigns/${c.id}/${action}`).send({});

      for (const action of ['pause', 'resume'])
        expect((await post(action)).body.message).toEqual([
          expect.stringMatching(new RegExp(`^campaign ${c.id} is draft; it can be`)),
        ]);
      expect((await post('launch')).status).toBe(202);
      const again = await post('launch');
      expect(again.status).toBe(409);
      expect(again.body.message).toEqual([
        `campaign ${c.id} is scheduled; only a draft can be launched`,
      ]);
      expect((await post('resume')).status).toBe(409);

      let res = await post('pause');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('paused');
      expect((await post('pause')).body.message).toEqual([
        `campaign ${c.id} is paused; it can be paused only when scheduled or running`,
      ]);
      res = await post('resume');
      expect(res.body.status).toBe('scheduled');

      // the planner moves it to running; a pause then resumes to running
      await t.db.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [c.id]);
      expect((await post('pause')).body.status).toBe('paused');
      expect((await post('resume')).body.status).toBe('running');

      res = await post('cancel');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'cancelled', finishedAt: NOW.toISOString() });
      for (const action of ['cancel', 'pause', 'resume', 'launch']) {
        const r = await post(action);
        expect(r.status).toBe(409);
        expect(r.body.message.join()).toMatch(new RegExp(`is cancelled`));
      }
      const patched = await t.as(marketer).patch(`/v1/campaigns/${c.id}`).send({ name: 'x' });
      expect(patched.status).toBe(409);

      const types = await t.db.query(
        `SELECT type, actor, data->>'from' AS "from", data->>'to' AS "to" FROM audit_events
          WHERE campaign_id = $1 AND type LIKE 'campaign.%' ORDER BY id`,
        [c.id],
      );
      const actor = `key:${marketerId}`;
      expect(types).toEqual([
        { type: 'campaign.created', actor, from: null, to: null },
        { type: 'campaign.launched', actor, from: 'draft', to: 'scheduled' },
        { type: 'campaign.paused', actor, from: 'scheduled', to: 'paused' },
        { type: 'campaign.resumed', actor, from: 'paused', to: 'scheduled' },
        { type: 'campaign.paused', actor, from: 'running', to: 'paused' },
        { type: 'campaign.resumed', actor, from: 'paused', to: 'running' },
        { type: 'campaign.cancelled', actor, from: 'running', to: 'cancelled' },
      ]);
    });

    it('a completed campaign cannot move', async () => {
      const c = await create({ ...base, name: 'done' });
      await t.db.query(`UPDATE campaigns SET status = 'completed' WHERE id = $1`, [c.id]);
      for (const action of ['launch', 'pause', 'resume', 'cancel']) {
        const r = await t.as(marketer).post(`/v1/campaigns/${c.id}/${action}`).send({});
        expect(r.status).toBe(409);
        expect(r.body.message.join()).toMatch(/is completed/);
      }
    });

    it('cancels a draft', async () => {
      const c = await create({ ...base, name: 'never mind' });
      const res = await t.as(marketer).post(`/v1/campaigns/${c.id}/cancel`).send({});
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
    });

    it('auditors cannot launch, pause or cancel', async () => {
      const c = await create({ ...base, name: 'audited only' });
      for (const action of ['launch', 'pause', 'resume', 'cancel'])
        expect((await t.as(auditor).post(`/v1/campaigns/${c.id}/${action}`).send({})).status).toBe(
          403,
        );
      expect((await t.as(auditor).patch(`/v1/campaigns/${c.id}`).send({ name: 'x' })).status).toBe(
        403,
      );
    });
  });

  describe('content check at launch', () => {
    const loud = {
      name: 'loud',
      locales: {
        en: {
          subject: 'HUGE SALE!!! FREE GIFT!!!',
          html: '<p>BUY NOW!!! 90% DISCOUNT!!! LIMITED OFFER, {{customer.name}}!!!</p>',
          text: 'BUY NOW!!! 90% DISCOUNT!!! LIMITED OFFER, {{customer.name}}!!!',
        },
      },
    };

    it('refuses a high score unless acknowledgeWarnings, then records it', async () => {
      expect((await t.as(marketer).post('/v1/templates').send(loud)).status).toBe(201);
      const c = await create({
        ...base,
        name: 'pushy tips',
        template: 'loud',
        channels: ['email'],
      });
      const forecast = await t.as(marketer).post(`/v1/campaigns/${c.id}/forecast`).send({});
      expect(forecast.status).toBe(200);
      expect(forecast.body.content).toMatchObject({ level: 'high', score: expect.any(Number) });

      const refused = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
      expect(refused.status).toBe(400);
      expect(refused.body.message).toEqual([
        expect.stringMatching(
          /^acknowledgeWarnings: the content check scored \d+ \(high\): .*shouting/,
        ),
      ]);
      expect((await t.as(marketer).get(`/v1/campaigns/${c.id}`)).body.status).toBe('draft');

      const bad = await t
        .as(marketer)
        .post(`/v1/campaigns/${c.id}/launch`)
        .send({ acknowledgeWarnings: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toEqual(['acknowledgeWarnings must be true or false']);

      const ok = await t
        .as(marketer)
        .post(`/v1/campaigns/${c.id}/launch`)
        .send({ acknowledgeWarnings: true });
      expect(ok.status).toBe(202);
      expect(ok.body.campaign).toMatchObject({
        status: 'scheduled',
        acknowledgedWarnings: true,
        contentCheck: { level: 'high' },
      });
      const [audit] = await auditOf(c.id, 'campaign.launched');
      expect(audit.data).toMatchObject({
        acknowledgeWarnings: true,
        contentCheck: { level: 'high' },
      });
    });

    it('pins the version current at launch', async () => {
      const c = await create({ ...base, name: 'pinned', template: 'loud', channels: ['email'] });
      const calmer = {
        ...loud,
        locales: { en: { subject: 'Tips', html: '<p>Hello</p>', text: 'Hello' } },
      };
      expect((await t.as(marketer).post('/v1/templates').send(calmer)).status).toBe(201);
      const res = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
      expect(res.status).toBe(202);
      expect(res.body.campaign).toMatchObject({
        templateVersion: 2,
        contentCheck: { level: 'ok' },
      });
    });

    it('refuses to launch a template that cannot render for the sample customer', async () => {
      const holes = {
        name: 'holes',
        locales: { en: { subject: 'Hi', html: '<p>{{customer.shoeSize}}</p>', text: 'x' } },
      };
      const created = await t.as(marketer).post('/v1/templates').send(holes);
      expect(created.status).toBe(201);
      const c = await create({ ...base, name: 'holes', template: 'holes', channels: ['email'] });
      const res = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
      expect(res.status).toBe(400);
      expect(res.body.message.join()).toMatch(/template holes v1/);
      expect((await t.as(marketer).get(`/v1/campaigns/${c.id}`)).body.status).toBe('draft');
    });
  });

  describe('cancel while the planner plans', () => {
    it('leaves no planned delivery behind and audits each cancelled one (5 rounds)', async () => {
      const planner = t.app.get(PlannerService);
      for (let round = 0; round < 5; round++) {
        await t.db.query(
          `INSERT INTO customers (external_id, kind, email, timezone)
           SELECT 'race-' || $1 || '-' || i, 'consumer', 'race' || $1 || '-' || i || '@example.com', 'Europe/Moscow'
             FROM generate_series(1, 120) i`,
          [round],
        );
        const c = await create({
          ...base,
          name: `race ${round}`,
          topic: 'care',
          goal: 'care',
          template: 'care-after-purchase',
          channels: ['email'],
          audience: { field: 'externalId', op: 'contains', value: `race-${round}-` },
        });
        await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({}).expect(202);
        const planning = planner.planStep(c.id, 0, { batchSize: 10 });
        await new Promise((r) => setTimeout(r, round * 15));
        const cancel = await t.as(marketer).post(`/v1/campaigns/${c.id}/cancel`).send({});
        expect(cancel.status).toBe(200);
        await planning;
        const [row] = await t.db.query(
          `SELECT count(*) FILTER (WHERE d.status = 'planned')::int AS planned,
                  count(*) FILTER (WHERE d.status = 'cancelled')::int AS cancelled,
                  count(a.id)::int AS audited
             FROM deliveries d
             LEFT JOIN audit_events a ON a.delivery_id = d.id AND a.type = 'delivery.cancelled'
            WHERE d.campaign_id = $1`,
          [c.id],
        );
        expect(row.planned).toBe(0);
        expect(row.audited).toBe(row.cancelled);
        const [{ status }] = await t.db.query(`SELECT status FROM campaigns WHERE id = $1`, [c.id]);
        expect(status).toBe('cancelled');
      }
    });
  });

  describe('cancel and progress with deliveries', () => {
    let campaignId: string;
    const customers: string[] = [];

    beforeAll(async () => {
      clock.current = NOW;
      const c = await create({ ...base, name: 'with deliveries' });
      campaignId = c.id;
      await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({}).expect(202);
      await t.db.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [c.id]);
      await t.db.query(
        `UPDATE campaign_steps SET status = 'planned', audience_size = 9 WHERE campaign_id = $1`,
        [c.id],
      );
      for (let i = 0; i < 9; i++) {
        customers.push(await aCustomer(t.db, { externalId: `progress-${i}` }));
      }
      // as the planner would write them: two due now, one deferred to tomorrow, and some fates
      const rows: [string, string][] = [
        ['planned', NOW.toISOString()],
        ['planned', NOW.toISOString()],
        ['planned', new Date(NOW.getTime() + DAY).toISOString()],
        ['sending', NOW.toISOString()],
        ['sent', NOW.toISOString()],
        ['delivered', NOW.toISOString()],
        ['bounced', NOW.toISOString()],
        ['failed', NOW.toISOString()],
        // a sender died while handing it over: maybe sent, never re-sent
        ['unknown', NOW.toISOString()],
      ];
      for (const [i, [status, notBefore]] of rows.entries()) {
        await aDelivery(t.db, {
          campaignId,
          customerId: customers[i],
          templateName: 'tips',
          status,
          notBefore,
        });
      }
      for (const reason of ['no_consent', 'no_consent']) {
        await t.db.query(
          `INSERT INTO audit_events (type, campaign_id, reason, actor) VALUES ('decision.skip', $1, $2, 'system')`,
          [campaignId, reason],
        );
      }
    });

    it('reports progress from steps, deliveries and skip decisions', async () => {
      const res = await t.as(auditor).get(`/v1/campaigns/${campaignId}/progress`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'running',
        audience: 9,
        planned: 9,
        sent: 2,
        deferred: 1,
        failed: 2,
        unknown: 1,
        unknownMeaning: 'fate unknown after a crash; never re-sent',
        skipped: { no_consent: 2 },
        cancelled: 0,
      });
    });

    it('cancel cancels the planned deliveries with an audit row each, in one go', async () => {
      const res = await t.as(marketer).post(`/v1/campaigns/${campaignId}/cancel`).send({});
      expect(res.status).toBe(200);
      const statuses = await t.db.query(
        `SELECT status, count(*)::int AS n FROM deliveries WHERE campaign_id = $1 GROUP BY status ORDER BY status`,
        [campaignId],
      );
      expect(statuses).toEqual([
        { status: 'bounced', n: 1 },
        { status: 'cancelled', n: 3 },
        { status: 'delivered', n: 1 },
        { status: 'failed', n: 1 },
        { status: 'sending', n: 1 },
        { status: 'sent', n: 1 },
        { status: 'unknown', n: 1 },
      ]);
      const audit = await t.db.query(
        `SELECT customer_id, delivery_id IS NOT NULL AS has_delivery, reason, actor FROM audit_events
          WHERE campaign_id = $1 AND type = 'delivery.cancelled' ORDER BY customer_id`,
        [campaignId],
      );
      expect(audit).toEqual(
        [customers[0], customers[1], customers[2]].sort().map((id) => ({
          customer_id: id,
          has_delivery: true,
          reason: 'campaign_cancelled',
          actor: `key:${marketerId}`,
        })),
      );
      const [cancelled] = await auditOf(campaignId, 'campaign.cancelled');
      expect(cancelled.data).toEqual({ from: 'running', to: 'cancelled', cancelledDeliveries: 3 });
      const progress = await t.as(marketer).get(`/v1/campaigns/${campaignId}/progress`);
      expect(progress.body).toMatchObject({ status: 'cancelled', cancelled: 3, deferred: 0 });
      const [step] = await t.db.query(`SELECT status FROM campaign_steps WHERE campaign_id = $1`, [
        campaignId,
      ]);
      expect(step.status).toBe('planned');
    });
  });
});
