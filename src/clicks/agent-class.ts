/** What kind of software followed a link; the user agent string itself is never stored. */
export type AgentClass = 'browser' | 'mobile' | 'scanner' | 'unknown';

// Link checkers of mail security gateways, preview fetchers and scripts identify themselves so.
const SCANNER =
  /bot\b|crawl|spider|preview|scan|proofpoint|mimecast|barracuda|safelinks|symantec|trendmicro|forti|sophos|linkcheck|curl\/|wget\/|python-|go-http|java\/|okhttp|headless|slurp|facebookexternalhit/i;
const MOBILE = /mobile|android|iphone|ipad/i;
const BROWSER = /^mozilla\/|^opera\//i;

export function agentClass(userAgent: string | undefined | null): AgentClass {
  const ua = (userAgent ?? '').slice(0, 512);
  if (!ua) return 'unknown';
  if (SCANNER.test(ua)) return 'scanner';
  if (MOBILE.test(ua)) return 'mobile';
  return BROWSER.test(ua) ? 'browser' : 'unknown';
}
