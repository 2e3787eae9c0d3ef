import { Inject, Injectable } from '@nestjs/common';
import { maskPersonal, type PersonalValues } from '../common/mask-personal';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import type { RenderedMessage } from '../templates/template-context';
import { ClickTokenService } from '../tokens/click-token.service';
import { ClickLinks } from './click-links';
import { linksIn, rewriteLinks } from './link-rewriter';

const MAX_URL_LENGTH = 2048;

/** Whether a URL quotes a person (an address, a phone, a known name): such links stay untracked. */
function quotesPerson(url: string, person: PersonalValues): boolean {
  if (maskPersonal(url, person) !== url) return true;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.replace(/\+/g, ' '));
  } catch {
    return true;
  }
  return maskPersonal(decoded, person) !== decoded;
}

/**
 * The URLs that do not quote the person. Almost none do, so all of them are checked in one pass
 * first (masking builds its patterns per call, the costly part per message); only when that pass
 * finds something is each URL checked on its own.
 */
function notQuotingPerson(urls: string[], person: PersonalValues): string[] {
  const all = urls.join('\n');
  let decoded: string | null;
  try {
    decoded = decodeURIComponent(all.replace(/\+/g, ' '));
  } catch {
    decoded = null;
  }
  if (
    decoded !== null &&
    maskPersonal(all, person) === all &&
    maskPersonal(decoded, person) === decoded
  )
    return urls;
  return urls.filter((u) => !quotesPerson(u, person));
}

/** Who decides about tracking one message: the settings, the campaign and the customer. */
export interface TrackingScope {
  deliveryId: string;
  campaignTracks: boolean;
  customerTracks: boolean;
  person: PersonalValues;
}

/**
 * Rewrites a rendered message's links to `PUBLIC_URL/r/<token>` at hand-over, unless tracking is
 * off (CLICK_TRACKING=off, the campaign's trackClicks: false, the customer's "don't track my
 * clicks"). Tactful's own links (unsubscribe, preferences, confirmation) and links that quote the
 * person are left as written, so no stored URL holds personal values.
 */
@Injectable()
export class ClickTracker {
  private readonly base: string;

  constructor(
    @Inject(SETTINGS) private readonly settings: Pick<Settings, 'publicUrl' | 'clickTracking'>,
    private readonly links: ClickLinks,
    private readonly tokens: ClickTokenService,
  ) {
    this.base = `${settings.publicUrl}/`;
  }

  async track(message: RenderedMessage, scope: TrackingScope): Promise<RenderedMessage> {
    if (!this.settings.clickTracking || !scope.campaignTracks || !scope.customerTracks)
      return message;
    const urls = notQuotingPerson(
      linksIn(message).filter((u) => !u.startsWith(this.base) && u.length <= MAX_URL_LENGTH),
      scope.person,
    );
    if (urls.length === 0) return message;
    const ids = await this.links.idsOf(urls);
    return rewriteLinks(message, (url) => {
      const linkId = ids.get(url);
      if (linkId === undefined) return null;
      return `${this.base}r/${this.tokens.issue({ deliveryId: scope.deliveryId, linkId })}`;
    });
  }
}
