import { linksIn, rewriteLinks, MAX_TRACKED_LINKS } from './link-rewriter';
import type { RenderedMessage } from '../templates/template-context';

const email = (html: string, text: string): RenderedMessage => ({
  channel: 'email',
  subject: 's',
  html,
  text,
});

const own = 'https://tactful.example/';
const track = (url: string) => (url.startsWith(own) ? null : `${own}r/${url.length}`);

describe('link rewriting', () => {
  it('rewrites http(s) anchors and text URLs, leaving mailto, tel, relative and own links alone', () => {
    const m = email(
      '<p><a href="https://shop.example/a?x=1&amp;y=2">shop</a> <a href="mailto:a@b.example">m</a> ' +
        '<a href="tel:+79990000000">t</a> <a href="/relative">r</a> <a href="https://tactful.example/u/tok">unsub</a></p>',
      'See https://shop.example/a?x=1&y=2. Or (http://b.example/path)! Unsubscribe: https://tactful.example/u/tok',
    );
    expect(linksIn(m)).toEqual([
      'https://shop.example/a?x=1&y=2',
      'https://tactful.example/u/tok',
      'http://b.example/path',
    ]);
    const out = rewriteLinks(m, track) as Extract<RenderedMessage, { channel: 'email' }>;
    expect(out.html).toContain('<a href="https://tactful.example/r/30">shop</a>');
    expect(out.html).toContain('href="mailto:a@b.example"');
    expect(out.html).toContain('href="tel:+79990000000"');
    expect(out.html).toContain('href="/relative"');
    expect(out.html).toContain('href="https://tactful.example/u/tok"');
    expect(out.text).toBe(
      'See https://tactful.example/r/30. Or (https://tactful.example/r/21)! Unsubscribe: https://tactful.example/u/tok',
    );
  });

  it('rewrites SMS bodies and leaves calls alone', () => {
    const sms: RenderedMessage = {
      channel: 'sms',
      body: 'Hi https://s.example/x, STOP',
      segments: 1,
      encoding: 'GSM-7',
    };
    expect(rewriteLinks(sms, () => 'https://t.example/r/1')).toMatchObject({
      body: 'Hi https://t.example/r/1, STOP',
    });
    const voice: RenderedMessage = { channel: 'voice', brief: 'https://s.example' };
    expect(rewriteLinks(voice, () => 'x')).toBe(voice);
  });

  it(`lists at most ${MAX_TRACKED_LINKS} distinct links, and a huge body in linear time`, () => {
    const many = Array.from({ length: 200 }, (_, i) => `https://s.example/${i % 120}`).join(' ');
    expect(linksIn(email('', many))).toHaveLength(MAX_TRACKED_LINKS);
    const huge = 'https://' + 'a'.repeat(2_000_000);
    const started = Date.now();
    linksIn(email(`<a href="${huge}">x</a>`, huge));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
