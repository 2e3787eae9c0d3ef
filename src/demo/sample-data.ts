import type { CampaignDefinition } from '../campaigns/campaigns.service';
import type { UpsertCustomerDto } from '../customers/customer.dto';
import { FLOW_SOURCES } from '../consent/consent-sources';
import type { Channel } from '../policy/engine';

/** Every demo customer's externalId starts with this, so the summary and re-runs find them. */
export const DEMO_PREFIX = 'demo-';

/**
 * How a consent came about: `double-opt-in` (web form, then the confirmation link), `confirmed`
 * (double opt-in done elsewhere, e.g. imported from the old CRM), `granted` (form sent, link
 * never clicked), `withdrawn` (confirmed, later withdrawn on the preference page).
 */
export type ConsentFlow = 'double-opt-in' | 'confirmed' | 'granted' | 'withdrawn';

export interface DemoConsent {
  channel: Channel;
  topic: string;
  flow: ConsentFlow;
}

export interface DemoEvent {
  type: 'purchase' | 'satisfaction';
  /** Days before now (fractions allowed); 0 = now. */
  daysAgo: number;
  amount?: number;
  currency?: string;
  score?: number;
}

export interface DemoCustomer extends UpsertCustomerDto {
  consents: DemoConsent[];
  /** Recorded before the trigger campaigns are launched: the customer's past. */
  history: DemoEvent[];
  /** Recorded after the first planner tick: they set off the trigger campaigns. */
  today?: DemoEvent[];
  /** The last purchase is placed so that the customer lapses a few seconds after launch. */
  lapsesDuringDemo?: boolean;
  /** An address that bounced hard before: suppressed. */
  suppressEmail?: boolean;
}

/** The exact wording shown to the customer, per topic, channel and locale, and its version. */
export const WORDING: Record<string, { ru: string; en: string; version: string }> = {
  'email:tips': {
    ru: 'Да, присылайте мне полезные советы по уходу за покупками — не чаще раза в месяц.',
    en: 'Yes, e-mail me useful care tips for my purchases — at most once a month.',
    version: 'tips-2026-01',
  },
  'sms:tips': {
    ru: 'Да, присылайте короткие советы по SMS — не чаще раза в месяц.',
    en: 'Yes, text me short care tips — at most once a month.',
    version: 'tips-sms-2026-01',
  },
  'email:offers': {
    ru: 'Да, присылайте мне специальные предложения — не чаще двух раз в год.',
    en: 'Yes, e-mail me special offers — no more than twice a year.',
    version: 'offers-2026-01',
  },
};

/** Where each flow's evidence came from (source, IP from the documentation ranges, browser). */
export const EVIDENCE = {
  webForm: {
    source: 'web-form',
    ip: '203.0.113.7',
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
  },
  confirmLink: {
    source: FLOW_SOURCES.doubleOptIn,
    ip: '198.51.100.23',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  },
  checkout: {
    source: 'checkout',
    ip: '192.0.2.41',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Safari/605.1.15',
  },
  preferencePage: {
    source: FLOW_SOURCES.preferencePage,
    ip: '203.0.113.88',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  },
} as const;

const tipsByEmail = (flow: ConsentFlow): DemoConsent => ({ channel: 'email', topic: 'tips', flow });
const offersByEmail = (flow: ConsentFlow): DemoConsent => ({
  channel: 'email',
  topic: 'offers',
  flow,
});
const buy = (daysAgo: number, amount: number, currency: string): DemoEvent => ({
  type: 'purchase',
  daysAgo,
  amount,
  currency,
});
const score = (daysAgo: number, value: number): DemoEvent => ({
  type: 'satisfaction',
  daysAgo,
  score: value,
});

/**
 * The sample company's customers: Russian and English, consumers and business contacts with
 * their account managers, spread over time zones from UTC−8 to UTC+12 so that, whatever the
 * hour, some are inside their 09:00–20:00 send window and some are in quiet hours.
 */
export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  {
    externalId: 'demo-ru-01',
    kind: 'consumer',
    name: 'Анна Петрова',
    email: 'anna.petrova@example.com',
    phone: '+79161234567',
    timezone: 'Europe/Moscow',
    locale: 'ru',
    attributes: { city: 'Москва' },
    consents: [tipsByEmail('double-opt-in'), offersByEmail('confirmed')],
    history: [buy(120, 12990, 'RUB'), buy(25, 4990, 'RUB')],
  },
  {
    externalId: 'demo-ru-02',
    kind: 'consumer',
    name: 'Борис Смирнов',
    email: 'boris.smirnov@example.com',
    phone: '+79031112233',
    timezone: 'Asia/Yekaterinburg',
    locale: 'ru',
    attributes: { city: 'Екатеринбург' },
    consents: [tipsByEmail('double-opt-in')],
    history: [buy(40, 7490, 'RUB')],
    today: [buy(0, 3290, 'RUB'), score(0, 5)],
  },
  {
    externalId: 'demo-ru-03',
    kind: 'consumer',
    name: 'Екатерина Волкова',
    email: 'ekaterina.volkova@example.com',
    timezone: 'Asia/Novosibirsk',
    locale: 'ru',
    attributes: { city: 'Новосибирск' },
    // The confirmation link was never clicked: e-mail marketing waits for it.
    consents: [tipsByEmail('granted')],
    history: [buy(15, 2590, 'RUB')],
  },
  {
    externalId: 'demo-ru-04',
    kind: 'consumer',
    name: 'Дмитрий Козлов',
    email: 'dmitry.kozlov@example.com',
    phone: '+79261002030',
    timezone: 'Asia/Vladivostok',
    locale: 'ru',
    attributes: { city: 'Владивосток' },
    consents: [tipsByEmail('withdrawn')],
    history: [buy(200, 15990, 'RUB'), buy(30, 990, 'RUB')],
  },
  {
    externalId: 'demo-ru-05',
    kind: 'consumer',
    name: 'Ольга Морозова',
    email: 'olga.morozova@example.com',
    timezone: 'Europe/Kaliningrad',
    locale: 'ru',
    attributes: { city: 'Калининград' },
    // Bought, never subscribed: no marketing at all, but a review request after a good score.
    consents: [],
    history: [buy(10, 5490, 'RUB')],
    today: [score(0, 5)],
  },
  {
    externalId: 'demo-ru-06',
    kind: 'consumer',
    name: 'Сергей Новиков',
    email: 'sergey.novikov@example.com',
    timezone: 'Europe/Samara',
    locale: 'ru',
    attributes: { city: 'Самара' },
    // Subscribed to offers only; lapses (180 days without a purchase) during the demo.
    consents: [offersByEmail('double-opt-in')],
    history: [buy(400, 8990, 'RUB')],
    lapsesDuringDemo: true,
  },
  {
    externalId: 'demo-ru-07',
    kind: 'consumer',
    name: 'Мария Соколова',
    email: 'maria.sokolova@example.com',
    phone: '+79145556677',
    timezone: 'Asia/Kamchatka',
    locale: 'ru',
    attributes: { city: 'Петропавловск-Камчатский' },
    consents: [tipsByEmail('confirmed'), offersByEmail('confirmed')],
    history: [buy(300, 4490, 'RUB'), buy(60, 6990, 'RUB'), buy(12, 1990, 'RUB')],
  },
  {
    externalId: 'demo-ru-08',
    kind: 'consumer',
    name: 'Иван Лебедев',
    phone: '+79057778899',
    timezone: 'Europe/Moscow',
    locale: 'ru',
    attributes: { city: 'Тула' },
    // No e-mail address: tips reach him by SMS, the channel he agreed to.
    consents: [{ channel: 'sms', topic: 'tips', flow: 'confirmed' }],
    history: [buy(20, 3990, 'RUB')],
  },
  {
    externalId: 'demo-ru-09',
    kind: 'consumer',
    name: 'Наталья Кузнецова',
    email: 'natalia.kuznetsova@example.com',
    timezone: 'Europe/Moscow',
    locale: 'ru',
    attributes: { city: 'Казань' },
    consents: [tipsByEmail('confirmed')],
    history: [buy(50, 2990, 'RUB')],
    suppressEmail: true,
  },
  {
    externalId: 'demo-ru-10',
    kind: 'consumer',
    name: 'Алексей Попов',
    email: 'alexey.popov@example.com',
    timezone: 'Asia/Irkutsk',
    locale: 'ru',
    attributes: { city: 'Иркутск' },
    consents: [tipsByEmail('granted')],
    history: [],
    // An unhappy first purchase: no review request follows a low score.
    today: [buy(0, 11990, 'RUB'), score(0, 2)],
  },
  {
    externalId: 'demo-en-01',
    kind: 'consumer',
    name: 'Emily Carter',
    email: 'emily.carter@example.com',
    timezone: 'Europe/London',
    locale: 'en',
    attributes: { city: 'Leeds' },
    consents: [tipsByEmail('double-opt-in'), offersByEmail('double-opt-in')],
    history: [buy(90, 89, 'GBP'), buy(14, 45, 'GBP')],
  },
  {
    externalId: 'demo-en-02',
    kind: 'consumer',
    name: 'James Walker',
    email: 'james.walker@example.com',
    phone: '+12025550123',
    timezone: 'America/New_York',
    locale: 'en',
    attributes: { city: 'Washington' },
    consents: [tipsByEmail('confirmed')],
    history: [buy(35, 120, 'USD')],
    today: [buy(0, 60, 'USD'), score(0, 5)],
  },
  {
    externalId: 'demo-en-03',
    kind: 'consumer',
    name: 'Olivia Bennett',
    email: 'olivia.bennett@example.com',
    phone: '+14155550142',
    timezone: 'America/Los_Angeles',
    locale: 'en',
    attributes: { city: 'San Francisco' },
    consents: [tipsByEmail('double-opt-in')],
    history: [buy(150, 210, 'USD'), buy(45, 75, 'USD')],
  },
  {
    externalId: 'demo-en-04',
    kind: 'consumer',
    name: 'Harry Evans',
    email: 'harry.evans@example.com',
    phone: '+61491570156',
    timezone: 'Australia/Sydney',
    locale: 'en',
    attributes: { city: 'Sydney' },
    consents: [tipsByEmail('granted')],
    history: [buy(22, 140, 'AUD')],
  },
  {
    externalId: 'demo-en-05',
    kind: 'consumer',
    name: 'Sophie Turner',
    email: 'sophie.turner@example.com',
    timezone: 'Pacific/Auckland',
    locale: 'en',
    attributes: { city: 'Auckland' },
    consents: [offersByEmail('confirmed')],
    history: [buy(170, 99, 'NZD'), buy(40, 49, 'NZD')],
  },
  {
    externalId: 'demo-en-06',
    kind: 'consumer',
    name: 'George Hughes',
    email: 'george.hughes@example.com',
    phone: '+13125550187',
    timezone: 'America/Chicago',
    locale: 'en',
    attributes: { city: 'Chicago' },
    consents: [],
    history: [buy(8, 35, 'USD')],
    today: [score(0, 4)],
  },
  {
    externalId: 'demo-en-07',
    kind: 'consumer',
    name: 'Lucy Ward',
    email: 'lucy.ward@example.com',
    timezone: 'Europe/Dublin',
    locale: 'en',
    attributes: { city: 'Dublin' },
    // Lapsed long ago: outside the tips audience (new, active, lapsing).
    consents: [tipsByEmail('confirmed')],
    history: [buy(260, 130, 'EUR')],
  },
  {
    externalId: 'demo-b2b-01',
    kind: 'business',
    name: 'Ирина Васильева',
    email: 'i.vasilieva@romashka.example.com',
    phone: '+79167001122',
    timezone: 'Europe/Moscow',
    locale: 'ru',
    company: 'ООО «Ромашка»',
    accountManager: { name: 'Игорь Белов', phone: '+79160001001' },
    attributes: { segment: 'retail' },
    consents: [tipsByEmail('confirmed')],
    history: [buy(60, 184000, 'RUB'), buy(21, 96000, 'RUB')],
    today: [buy(0, 72000, 'RUB')],
  },
  {
    externalId: 'demo-b2b-02',
    kind: 'business',
    name: 'Павел Орлов',
    email: 'p.orlov@sever.example.com',
    phone: '+79122003344',
    timezone: 'Asia/Yekaterinburg',
    locale: 'ru',
    company: 'АО «Север»',
    accountManager: { name: 'Марина Ковалёва', phone: '+79160001002' },
    attributes: { segment: 'wholesale' },
    consents: [tipsByEmail('double-opt-in')],
    history: [buy(33, 410000, 'RUB')],
  },
  {
    externalId: 'demo-b2b-03',
    kind: 'business',
    name: 'Jane Foster',
    email: 'jane.foster@northwind.example.com',
    timezone: 'Europe/London',
    locale: 'en',
    company: 'Northwind Ltd',
    accountManager: { name: 'Tom Reed', phone: '+79160001003' },
    attributes: { segment: 'hospitality' },
    consents: [tipsByEmail('confirmed'), offersByEmail('confirmed')],
    history: [buy(75, 5400, 'GBP'), buy(18, 2300, 'GBP')],
  },
  {
    externalId: 'demo-b2b-04',
    kind: 'business',
    name: 'Robert Miller',
    email: 'robert.miller@acme.example.com',
    phone: '+12025550177',
    timezone: 'America/New_York',
    locale: 'en',
    company: 'Acme Corp',
    accountManager: { name: 'Sarah Lee', phone: '+12025550100' },
    attributes: { segment: 'manufacturing' },
    consents: [tipsByEmail('double-opt-in'), offersByEmail('withdrawn')],
    history: [buy(95, 12000, 'USD'), buy(28, 8000, 'USD')],
  },
  {
    externalId: 'demo-b2b-05',
    kind: 'business',
    name: 'Chloe Nguyen',
    email: 'chloe.nguyen@globex.example.com',
    timezone: 'Australia/Sydney',
    locale: 'en',
    company: 'Globex Pty Ltd',
    accountManager: { name: 'Liam Scott', phone: '+61491570110' },
    attributes: { segment: 'retail' },
    consents: [],
    history: [buy(16, 3100, 'AUD')],
  },
];

/**
 * Campaigns of the demo beyond the ready examples: two that go out now, so the outbox fills
 * while the demo runs (the examples are scheduled for later or wait for events).
 */
export const DEMO_CAMPAIGNS: readonly CampaignDefinition[] = [
  {
    name: 'Demo: useful tips — this month',
    topic: 'tips',
    goal: 'retention',
    template: 'tips',
    channels: ['email', 'sms'],
    priority: 45,
    audience: { field: 'lifecycleStage', op: 'in', value: ['new', 'active', 'lapsing'] },
    schedule: { type: 'now' },
    effectiveAt: null,
  },
  {
    name: 'Demo: seasonal offer for regular customers',
    topic: 'offers',
    goal: 'engagement',
    template: 'offer',
    channels: ['email'],
    priority: 20,
    audience: { field: 'lifecycleStage', op: 'eq', value: 'active' },
    schedule: { type: 'now' },
    effectiveAt: null,
  },
];

/** The example launched before the customers' past is recorded (see loadDemo). */
export const WINBACK_EXAMPLE = 'Win-back of lapsed customers';
