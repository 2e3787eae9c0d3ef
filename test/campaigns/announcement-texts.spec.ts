import { PlannerService } from '../../src/planning/planner.service';
import { createDeliveryApp, insertCustomer, type DeliveryTestApp } from '../delivery/delivery-app';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

const DAY = 86_400_000;

/** The built-in announcement shows the campaign's own words for customers, never its internal name. */
describe('an announcement in the customer language: title and summary, not the internal name', () => {
  let t: DeliveryTestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({
      realTemplates: true,
      now: '2026-11-23T09:00:00Z',
      env: { SMTP_URL: smtp.url },
    });
    await t.admin
      .post('/v1/topics')
      .send({ key: 'announcements', category: 'service', title: { ru: 'Объявления', en: 'News' } })
      .expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('renders subject and body from the customer locale texts through the sender', async () => {
    const ru = await insertCustomer(t, {
      locale: 'ru',
      timezone: 'Europe/Moscow',
      email: 'olga@mail.example',
    });
    const en = await insertCustomer(t, {
      locale: 'en',
      timezone: 'Europe/London',
      email: 'john@mail.example',
    });
    const marketer = await t.keyFor('marketer');
    const created = await t
      .as(marketer)
      .post('/v1/campaigns')
      .send({
        name: 'internal: Q1 delivery repricing',
        topic: 'announcements',
        goal: 'announcement',
        template: 'announcement',
        channels: ['email'],
        audience: {},
        schedule: { type: 'now' },
        effectiveAt: new Date(Date.parse('2026-11-23T09:00:00Z') + 30 * DAY).toISOString(),
        announcement: {
          ru: {
            title: 'Новые цены на доставку',
            summary: 'Доставка по городу будет стоить 300 ₽.',
          },
          en: { title: 'New delivery prices', summary: 'Delivery in town will cost 300 ₽.' },
        },
      });
    expect(created.status).toBe(201);
    expect(
      (await t.as(marketer).post(`/v1/campaigns/${created.body.id}/launch`).send({})).status,
    ).toBe(202);
    await t.app.get(PlannerService).tick();
    await t.sender.tick();
    const mails = await smtp.waitFor(2);
    const to = (addr: string) => mails.find((m) => m.to.includes(addr))!;
    const olga = to('olga@mail.example');
    expect(olga.parsed.subject).toContain('Новые цены на доставку');
    expect(olga.parsed.text).toContain('Доставка по городу будет стоить 300 ₽.');
    const john = to('john@mail.example');
    expect(john.parsed.subject).toContain('New delivery prices');
    expect(john.parsed.text).toContain('Delivery in town will cost 300 ₽.');
    for (const m of mails) expect(`${m.parsed.subject} ${m.parsed.text}`).not.toContain('internal');
    expect([ru, en]).toHaveLength(2);
  });
});
