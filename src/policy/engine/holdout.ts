/**
 * The campaign's control group: whether a customer is held out, decided by a stable hash of
 * campaign and customer alone, so a re-plan after a crash (or a forecast) draws the same split.
 * Pure arithmetic (no node:crypto inside the engine): FNV-1a over the UTF-16 code units, then
 * MurmurHash3's 32-bit finaliser, which spreads the close-together inputs uuids give.
 */
export function holdoutBucket(campaignId: string, customerId: string): number {
  const key = `${campaignId}:${customerId}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // 0 … 9999: a percent with two decimals of resolution.
  return (h >>> 0) % 10_000;
}

/** True when the customer belongs to the campaign's holdout of `percent` (0–50). */
export function isHeldOut(campaignId: string, customerId: string, percent: number): boolean {
  if (!(percent > 0)) return false;
  return holdoutBucket(campaignId, customerId) < Math.round(percent * 100);
}
