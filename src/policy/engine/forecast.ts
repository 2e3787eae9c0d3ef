import { decide } from './decide';
import type { Channel, Decision, DecisionInput, ReasonCode } from './types';

export interface ForecastResult {
  audience: number;
  send: number;
  defer: number;
  skip: Partial<Record<ReasonCode, number>>;
  /** Defers by reason (quiet_hours, budget_exhausted, …). */
  deferReasons: Partial<Record<ReasonCode, number>>;
  /** Over sends (notBefore) and firm clock defers (until), which are planned sends too. */
  earliestSendAt: Date | null;
  latestSendAt: Date | null;
  /** Planned messages (sends and firm defers) by the channel the engine chose: `voice` = calls. */
  channels: Partial<Record<Channel, number>>;
}

/** A forecast of nobody: the start of a sum. */
export function emptyForecast(): ForecastResult {
  return {
    audience: 0,
    send: 0,
    defer: 0,
    skip: {},
    deferReasons: {},
    earliestSendAt: null,
    latestSendAt: null,
    channels: {},
  };
}

/** Runs decide over an audience snapshot; `decideFn` lets a caller plug in arbitration. */
export function forecast(
  inputs: Iterable<DecisionInput>,
  decideFn: (input: DecisionInput) => Decision = decide,
): ForecastResult {
  const result = emptyForecast();
  let earliest = Infinity;
  let latest = -Infinity;
  for (const input of inputs) {
    result.audience++;
    const d = decideFn(input);
    let at = NaN;
    let channel: Channel | undefined;
    if (d.kind === 'send') {
      result.send++;
      at = d.notBefore.getTime();
      channel = d.channel;
    } else if (d.kind === 'defer') {
      result.defer++;
      result.deferReasons[d.reason] = (result.deferReasons[d.reason] ?? 0) + 1;
      if (d.channel !== undefined) at = d.until.getTime();
      channel = d.channel;
    } else {
      result.skip[d.reason] = (result.skip[d.reason] ?? 0) + 1;
    }
    if (channel !== undefined) result.channels[channel] = (result.channels[channel] ?? 0) + 1;
    if (at < earliest) earliest = at;
    if (at > latest) latest = at;
  }
  if (earliest !== Infinity) result.earliestSendAt = new Date(earliest);
  if (latest !== -Infinity) result.latestSendAt = new Date(latest);
  return result;
}
