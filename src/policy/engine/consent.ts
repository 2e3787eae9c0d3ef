import { toMsOrNaN } from './time';
import type { CampaignMessage, Channel, ConsentEntry, ConsentState, ReasonCode } from './types';

function find(entries: readonly ConsentEntry[], channel: Channel, topic: string) {
  let found: ConsentEntry | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.channel === channel && e.topic === topic) found = e; // the last entry is the latest
  }
  return found;
}

/** The later of two entries; on unknown or equal times a withdrawal wins (only tighten). */
function later(a: ConsentEntry, b: ConsentEntry): ConsentEntry {
  const ta = toMsOrNaN(a.since);
  const tb = toMsOrNaN(b.since);
  if (ta > tb) return a;
  if (tb > ta) return b;
  return a.status === 'withdrawn' ? a : b;
}

/**
 * Marketing needs a live consent for the channel and the topic (or '*'): confirmed, or granted
 * where the channel does not require double opt-in. Returns null when allowed.
 */
export function marketingConsentProblem(
  consent: ConsentState,
  channel: Channel,
  topic: string,
): ReasonCode | null {
  const specific = find(consent.entries, channel, topic);
  const all = find(consent.entries, channel, '*');
  let effective: ConsentEntry | undefined;
  if (specific !== undefined && all !== undefined) {
    if (specific.status === 'withdrawn' || all.status === 'withdrawn')
      effective = later(specific, all);
    else effective = specific.status === 'confirmed' ? specific : all;
  } else effective = specific ?? all;
  if (effective === undefined) return 'no_consent';
  if (effective.status === 'withdrawn') return 'consent_withdrawn';
  if (
    effective.status === 'granted' &&
    (consent.doubleOptIn?.[channel] === true || effective.needsConfirmation === true)
  )
    return 'consent_unconfirmed';
  return null;
}

/**
 * Service messages need no marketing consent but honour an opt-out of the whole channel;
 * review and care requests also honour an opt-out of their own topic. Announcements reach
 * everyone not opted out of the channel.
 */
export function serviceConsentProblem(
  consent: ConsentState,
  channel: Channel,
  message: CampaignMessage,
): ReasonCode | null {
  const all = find(consent.entries, channel, '*');
  const specific =
    message.goal === 'announcement' ? undefined : find(consent.entries, channel, message.topic);
  if (all?.status === 'withdrawn') {
    // A later explicit grant of this very topic re-opens the channel for it.
    if (specific === undefined || later(specific, all) === all) return 'consent_withdrawn';
  }
  if (specific?.status === 'withdrawn') return 'consent_withdrawn';
  return null;
}

/**
 * Channels whose marketing needs a confirmed (double opt-in) consent by default: e-mail, where a
 * form anyone can fill in is the usual source. The planner, the forecast, the sender's send-time
 * check and the subscribe flow all use this one rule.
 */
export const DEFAULT_DOUBLE_OPT_IN: Readonly<Partial<Record<Channel, boolean>>> = { email: true };
