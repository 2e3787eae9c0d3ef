// Decisions per second of the pure policy engine on one core, over realistic varied inputs.
// Run: npm run bench:decide   (optional env: BENCH_SECONDS, BENCH_AUDIENCE)
import { decide, DEFAULT_POLICIES, forecast } from '../src/policy/engine';
import type {
  CampaignMessage,
  Channel,
  ConsentEntry,
  ContactRecord,
  DecisionInput,
} from '../src/policy/engine';

const DAY = 86_400_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const AUDIENCE = Number(process.env.BENCH_AUDIENCE ?? 20_000);

// Deterministic PRNG so runs compare.
let seed = 42;
function rnd(): number {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
function pick<T>(items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)];
}

const ZONES = [
  'Europe/Moscow',
  'Europe/Moscow',
  'Europe/Moscow',
  'Asia/Yekaterinburg',
  'Asia/Novosibirsk',
  'Europe/London',
  'America/New_York',
  'Asia/Kolkata',
  'Europe/Berlin',
];
const TOPICS = ['tips', 'offers', 'care', 'announcements'];

const CAMPAIGNS: CampaignMessage[] = [
  {
    campaignId: 'spring-tips',
    step: 0,
    topic: 'tips',
    category: 'content',
    cadenceDays: 30,
    goal: 'retention',
    channels: ['email', 'sms'],
    priority: 40,
  },
  {
    campaignId: 'summer-offer',
    step: 0,
    topic: 'offers',
    category: 'promotional',
    goal: 'engagement',
    channels: ['email', 'sms'],
    priority: 50,
  },
  {
    campaignId: 'b2b-call',
    step: 0,
    topic: 'offers',
    category: 'promotional',
    goal: 'retention',
    channels: ['voice', 'email'],
    priority: 60,
  },
  {
    campaignId: 'terms-2026',
    step: 0,
    topic: 'announcements',
    category: 'service',
    goal: 'announcement',
    channels: ['email', 'sms'],
    priority: 90,
    launchedAt: Date.UTC(2026, 5, 1),
    effectiveAt: Date.UTC(2026, 6, 1),
  },
  {
    campaignId: 'review-ask',
    step: 0,
    topic: 'reviews',
    category: 'service',
    goal: 'review',
    channels: ['email'],
    priority: 30,
  },
];

// A planner runs a batch at one moment; a handful of moments across a day and a week.
const MOMENTS = Array.from({ length: 8 }, (_, i) => Date.UTC(2026, 5, 10 + (i % 4), 3 * i, 7));

function buildInput(): DecisionInput {
  const kind = rnd() < 0.8 ? 'consumer' : 'business';
  const now = pick(MOMENTS);
  const entries: ConsentEntry[] = [];
  for (const channel of ['email', 'sms', 'voice'] as Channel[]) {
    const r = rnd();
    if (r < 0.35) continue;
    const status = r < 0.45 ? 'withdrawn' : r < 0.55 ? 'granted' : 'confirmed';
    entries.push({ channel, topic: rnd() < 0.5 ? '*' : pick(TOPICS), status });
  }
  const history: ContactRecord[] = [];
  const contacts = Math.floor(rnd() * 10);
  for (let i = 0; i < contacts; i++) {
    history.push({
      at: now - Math.floor(rnd() * 365 * DAY),
      channel: rnd() < 0.8 ? 'email' : 'sms',
      category: pick(['content', 'promotional', 'service'] as const),
      topic: pick(TOPICS),
      campaignId: `old-${Math.floor(rnd() * 50)}`,
      step: 0,
      engaged: rnd() < 0.3,
    });
  }
  return {
    customer: {
      id: `c-${Math.floor(rnd() * 1e9)}`,
      kind,
      timezone: pick(ZONES),
      locale: 'ru',
      hasEmail: rnd() < 0.9,
      hasPhone: rnd() < 0.7,
      hasAccountManagerPhone: kind === 'business',
      purchaseCount: Math.floor(rnd() * 5),
      lastPurchaseAt: now - Math.floor(rnd() * 400 * DAY),
      lastSatisfactionScore: rnd() < 0.5 ? 1 + Math.floor(rnd() * 5) : null,
    },
    consent: { entries, doubleOptIn: { email: true } },
    preferences:
      rnd() < 0.2
        ? {
            maxFrequency: pick(['quarter', 'half_year', 'year', null] as const),
            pausedUntil: rnd() < 0.2 ? now + 20 * DAY : null,
            preferredChannels: rnd() < 0.5 ? ['sms', 'email'] : [],
            topicOptOuts: rnd() < 0.3 ? ['offers'] : [],
          }
        : null,
    history,
    suppression: rnd() < 0.02 ? { suppressed: true, reason: 'hard_bounce' } : null,
    message: pick(CAMPAIGNS),
    policy: DEFAULT_POLICIES[kind],
    now,
  };
}

// The trivial baseline: reads the same fields decide starts from, decides nothing.
function baseline(input: DecisionInput): number {
  return (
    input.customer.kind.length +
    input.consent.entries.length +
    input.history.length +
    input.message.priority +
    input.policy.version
  );
}

function measure<T>(label: string, fn: (input: DecisionInput) => T, inputs: DecisionInput[]) {
  let sink = 0;
  // Warm up the JIT and the zone offset caches.
  for (let i = 0; i < inputs.length * 2; i++) if (fn(inputs[i % inputs.length])) sink++;
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(SECONDS * 1e9));
  let nowNs = start;
  while (nowNs < deadline) {
    for (let i = 0; i < inputs.length; i++) if (fn(inputs[i])) sink++;
    count += inputs.length;
    nowNs = process.hrtime.bigint();
  }
  const perSecond = count / (Number(nowNs - start) / 1e9);
  console.log(`${label.padEnd(10)} ${Math.round(perSecond).toLocaleString('en-US')} /s`);
  return { perSecond, sink };
}

const inputs = Array.from({ length: AUDIENCE }, buildInput);
const summary = forecast(inputs);
console.log(
  `audience ${summary.audience}: send ${summary.send}, defer ${summary.defer}, skip ${JSON.stringify(summary.skip)}`,
);
const base = measure('baseline', baseline, inputs);
const engine = measure('decide', decide, inputs);
console.log(
  `decide: ${Math.round(engine.perSecond).toLocaleString('en-US')} decisions/s on one core ` +
    `(${(1e9 / engine.perSecond).toFixed(0)} ns each); baseline/decide ratio ${(base.perSecond / engine.perSecond).toFixed(1)}x; ` +
    `target 500,000/s ${engine.perSecond >= 500_000 ? 'met' : 'NOT met'}`,
);
