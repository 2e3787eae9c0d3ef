import { compilePolicy, type CompiledPolicy } from './compile-policy';
import { toMs } from './time';
import type { DecisionInput, ReasonCode, SkipDecision } from './types';

/** Per-decision facts computed once and shared by the rules. */
export interface RuleContext {
  input: DecisionInput;
  now: number;
  policy: CompiledPolicy;
  version: number;
  marketing: boolean;
}

export function ruleContext(input: DecisionInput): RuleContext {
  return {
    input,
    now: toMs(input.now),
    policy: compilePolicy(input.policy),
    version: input.policy.version,
    marketing: input.message.category !== 'service',
  };
}

export function skip(
  ctx: RuleContext,
  reason: ReasonCode,
  detail?: string,
  nextEligibleAt?: number,
): SkipDecision {
  const decision: SkipDecision = { kind: 'skip', reason, policyVersion: ctx.version };
  if (nextEligibleAt !== undefined && Number.isFinite(nextEligibleAt))
    decision.nextEligibleAt = new Date(nextEligibleAt);
  if (detail !== undefined) decision.detail = detail;
  return decision;
}
