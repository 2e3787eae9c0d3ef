import { normalizeIp, type ThrottlerModuleOptions } from '@nestjs/throttler';

/**
 * The public routes (/v1/subscribe, /confirm, /p, /u) share one allowance of `limit` requests a
 * minute per client: the throttler's tracker is the IPv4 address or the IPv6 /64 (one subscriber
 * line; IPv4-mapped IPv6 counts as its IPv4), and the key leaves out the route, so spreading
 * requests over several routes or addresses of one /64 does not multiply the allowance.
 * Provider webhooks are not throttled here: they are authenticated by signature and arrive in
 * bursts from a few provider addresses, which must neither be refused (a lost bounce or STOP)
 * nor use up the allowance of customers behind the same address.
 */
export function publicRateLimit(limit: number): ThrottlerModuleOptions {
  return {
    // Named 'default' so the answers carry plain `Retry-After` / `X-RateLimit-*` headers.
    throttlers: [{ name: 'default', ttl: 60_000, limit }],
    generateKey: (_context, tracker) => `public:${tracker}`,
  };
}

/** The client a limit counts against: an IPv4 address or an IPv6 /64. */
export const clientOf = (ip: string | undefined): string => normalizeIp(ip ?? 'unknown');
