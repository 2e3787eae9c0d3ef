import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  grant,
  insertCampaign,
  insertCustomer,
  insertDelivery,
  type DeliveryTestApp,
} from '../delivery/delivery-app';

const ADDRESS = 'Footer street 7, Visible City';

/**
 * Bodies that, left as written, swallow or hide what follows them. `{{! }}` is a Handlebars
 * comment: it splits a tag the save-time text check would refuse, so the rendered output still
 * carries it and only the render-time cleaning stands between it and the footer.
 */
const BODIES: [string, string][] = [
  ['unclosed <template>', '<p>Hello {{customer.name}}</p><template><p>hidden'],
  ['unclosed <textarea>', '<p>Hello {{customer.name}}</p><textarea>'],
  ['unclosed <noembed>', '<p>Hello {{customer.name}}</p><noembed>'],
  ['unclosed <noscript>', '<p>Hello {{customer.name}}</p><noscript>'],
  ['unclosed <title>', '<p>Hello {{customer.name}}</p><title>'],
  ['unclosed <style>', '<p>Hello {{customer.name}}</p><sty{{! split }}le>'],
  ['unclosed <xmp>', '<p>Hello {{customer.name}}</p><xmp>'],
  ['unclosed <plaintext>', '<p>Hello {{customer.name}}</p><plaintext>'],
  ['unterminated <!--', '<p>Hello {{customer.name}}</p><!{{! split }}--'],
  ['unclosed <select>', '<p>Hello {{customer.name}}</p><select><option>'],
  [
    'open <div style="display:none"> wrapper',
    '<div style="dis{{! split }}play:none"><p>Hello {{customer.name}}</p>',
  ],
  [
    '<a href=" with an unclosed attribute',
    '<p>Hello {{customer.name}} <a href="https://x.example/',
  ],
  [
    'end tags that try to close the layout cell and table, then an open textarea',
    '<p>Hello {{customer.name}}</p></td></tr></table></td></tr></table><textarea>',
  ],
  [
    'an SVG with a huge white rectangle and an open textarea',
    '<p>Hello {{customer.name}}</p><svg width="3000" height="3000"><rect width="3000" height="3000" fill="#fff"/><foreignObject><textarea>',
  ],
  [
    'white overlay positioned over the page',
    '<p>Hello {{customer.name}}</p><div style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff;z-index:99"></div>',
  ],
];

/** The unsubscribe link and the postal address are visible, on screen after scrolling, uncovered. */
async function expectFooterVisible(page: Page, html: string): Promise<void> {
  await page.setContent(html, { waitUntil: 'load' });
  const targets = [
    page.getByRole('link', { name: 'Unsubscribe', exact: true }),
    page.getByText(ADDRESS),
  ];
  for (const target of targets) {
    expect(await target.count()).toBe(1);
    expect(await target.isVisible()).toBe(true);
    await target.scrollIntoViewIfNeeded();
    const box = await target.boundingBox();
    const viewport = page.viewportSize()!;
    expect(box).not.toBeNull();
    expect(box!.width).toBeGreaterThan(0);
    expect(box!.height).toBeGreaterThan(0);
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
    expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
    // Nothing painted over it: the element at its centre is the target or inside it.
    const centre = [box!.x + box!.width / 2, box!.y + box!.height / 2] as const;
    const onTop = await target.evaluate((el, [x, y]) => {
      const hit = el.ownerDocument.elementFromPoint(x, y);
      return !!hit && el.contains(hit);
    }, centre);
    expect(onTop).toBe(true);
  }
}

describe('the footer stays visible whatever the marketer HTML holds (sent e-mail in Chromium)', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({
      realTemplates: true,
      env: { SMTP_URL: smtp.url, COMPANY_ADDRESS: ADDRESS },
    });
    await createTopics(t);
    browser = await launchBrowser();
    page = await browser.newPage({
      viewport: { width: 800, height: 600 },
      javaScriptEnabled: false,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.close();
  });

  it.each(BODIES.map(([label, html], i) => [label, html, i] as const))(
    '%s: the sent e-mail and the preview show the unsubscribe link and the address',
    async (_label, html, i) => {
      const name = `footer-${i}`;
      const saved = await t.admin.post('/v1/templates').send({
        name,
        locales: { en: { subject: 'Spring tips', html, text: 'Hello {{customer.name}}' } },
      });
      expect(saved.status).toBe(201);

      const campaign = await insertCampaign(t, { topic: 'tips', template: name });
      const customer = await insertCustomer(t, { name: 'Anna', email: `anna${i}@mail.example` });
      await grant(t, customer, 'email', 'tips');
      const preview = await t.admin
        .post(`/v1/templates/${name}/preview`)
        .send({ customerId: customer });
      expect(preview.status).toBe(200);
      await expectFooterVisible(page, preview.body.locales.en.email.html);
      await insertDelivery(t, {
        campaignId: campaign,
        customerId: customer,
        topic: 'tips',
        template: name,
      });
      smtp.messages.length = 0;
      expect(await t.sender.tick()).toMatchObject({ sent: 1 });
      const [mail] = await smtp.waitFor(1);
      expect(typeof mail.parsed.html).toBe('string');
      await expectFooterVisible(page, mail.parsed.html as string);
      // The preview showed the body that was sent (the footer's links and reason are per send).
      const body = (s: string) =>
        s.slice(s.indexOf('<td style="padding:28px'), s.indexOf('tactful-footer'));
      expect(body(mail.parsed.html as string)).toContain('Hello Anna');
      expect(body(mail.parsed.html as string)).toBe(body(preview.body.locales.en.email.html));
    },
  );
});
