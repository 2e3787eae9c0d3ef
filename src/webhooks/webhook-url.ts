/** Why an endpoint URL is refused, or null: http(s) only, no credentials, a host, ≤ 2000 chars. */
export function webhookUrlProblem(url: string): string | null {
  if (url.length > 2000) return 'url must be at most 2000 characters';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'url must be an absolute http(s) URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'url must use http or https';
  if (u.username || u.password) return 'url must not carry a user name or password';
  if (!u.hostname) return 'url must name a host';
  if (u.hash) return 'url must not have a fragment';
  return null;
}
