import type { ContactPolicy, CustomerKind } from '../policy/engine';
import type { PoliciesService } from '../policy/policies.service';

/** A policy edit reaches the sender within this; the planner applied it already. */
const POLICY_TTL_MS = 10_000;

/** The current contact policy per customer kind, cached for a short while across batches. */
export class SendPolicies {
  private readonly cache = new Map<CustomerKind, { policy: ContactPolicy; until: number }>();

  constructor(private readonly policies: PoliciesService) {}

  async forKinds(kinds: Iterable<CustomerKind>): Promise<Map<CustomerKind, ContactPolicy>> {
    const out = new Map<CustomerKind, ContactPolicy>();
    const now = Date.now();
    for (const kind of new Set(kinds)) {
      let cached = this.cache.get(kind);
      if (!cached || cached.until < now) {
        cached = { policy: (await this.policies.current(kind)).policy, until: now + POLICY_TTL_MS };
        this.cache.set(kind, cached);
      }
      out.set(kind, cached.policy);
    }
    return out;
  }
}
