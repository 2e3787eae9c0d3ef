import type { RenderedMessage } from '../templates/template-context';
import { ClickTokenService } from '../tokens/click-token.service';
import type { ClickLinks } from './click-links';
import { ClickTracker, type TrackingScope } from './click-tracker';

const MESSAGE: RenderedMessage = {
  channel: 'email',
  subject: 's',
  html:
    '<a href="https://shop.example/a">a</a> <a href="https://shop.example/u?m=anna%40mail.example">me</a> ' +
    '<a href="https://shop.example/hi/Anna-Petrova">hi</a> <a href="https://t.example/p/tok">prefs</a>',
  text: 'https://shop.example/a',
};
const SCOPE: TrackingScope = {
  deliveryId: '0193a6f2-7c1e-7d11-8a2b-3c4d5e6f7a8b',
  campaignTracks: true,
  customerTracks: true,
  person: { names: ['Anna Petrova', 'Anna-Petrova'], emails: ['anna@mail.example'], phones: [] },
};

/** The registry's contract without a database: ids in order of first sight. */
class MemoryLinks {
  seen: string[][] = [];
  private readonly ids = new Map<string, number>();
  async idsOf(urls: readonly string[]): Promise<Map<string, number>> {
    this.seen.push([...urls]);
    for (const u of urls) if (!this.ids.has(u)) this.ids.set(u, this.ids.size + 1);
    return new Map(urls.map((u) => [u, this.ids.get(u) as number]));
  }
}

const tracker = (clickTracking: boolean, links = new MemoryLinks()) =>
  new ClickTracker(
    { publicUrl: 'https://t.example', clickTracking },
    links as unknown as ClickLinks,
    new ClickTokenService({ secret: 'x'.repeat(32), previousSecrets: [] }),
  );

describe('ClickTracker', () => {
  it('tracks plain links only: never own links or links quoting the person', async () => {
    const links = new MemoryLinks();
    const out = (await tracker(true, links).track(MESSAGE, SCOPE)) as Extract<
      RenderedMessage,
      { channel: 'email' }
    >;
    expect(links.seen).toEqual([['https://shop.example/a']]);
    expect(out.html).toMatch(/^<a href="https:\/\/t\.example\/r\/[\w-]+\.[\w-]+">a<\/a>/);
    expect(out.html).toContain('href="https://shop.example/u?m=anna%40mail.example"');
    expect(out.html).toContain('href="https://shop.example/hi/Anna-Petrova"');
    expect(out.html).toContain('href="https://t.example/p/tok"');
    expect(out.text).toMatch(/^https:\/\/t\.example\/r\//);
  });

  it('changes nothing with CLICK_TRACKING=off, a campaign without tracking, or a customer who opted out', async () => {
    for (const [on, scope] of [
      [false, SCOPE],
      [true, { ...SCOPE, campaignTracks: false }],
      [true, { ...SCOPE, customerTracks: false }],
    ] as const) {
      const links = new MemoryLinks();
      expect(await tracker(on, links).track(MESSAGE, scope)).toBe(MESSAGE);
      expect(links.seen).toEqual([]);
    }
  });
});
