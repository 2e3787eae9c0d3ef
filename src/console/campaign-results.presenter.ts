import type { CampaignView } from '../campaigns/campaign-view';
import type { CampaignResults, CampaignResultsService } from '../outcomes/campaign-results.service';

type Lang = 'ru' | 'en';

// The results section's words live here, beside the arithmetic that fills them.
const TEXTS = {
  en: {
    heading: 'Results',
    help: 'Customers who got the campaign against the held-out control group, purchases within the attribution window.',
    treated: 'Got the campaign',
    holdout: 'Held out (control group)',
    customers: 'Customers',
    converted: 'Bought',
    conversion: 'Conversion',
    clicked: 'Clicked',
    revenue: 'Revenue',
    uplift: 'Uplift',
    interval: '95% interval',
    noHoldout: 'No control group: set a holdout to measure what the campaign changed.',
    annoyance: 'Annoyance',
    unsubscribed: 'Unsubscribed',
    complained: 'Complained',
    smsStop: 'SMS STOP',
    annoyanceRate: 'Share of reached customers',
    guardrail: 'Guardrail',
    limits: 'limits',
    pausedReason: 'Paused because',
    recent: 'Recent campaigns on this topic: annoyance',
    none: '—',
    attribution: 'Attribution window (days)',
    verdicts: {
      helped: 'It helped: customers who got it bought more than the control group.',
      no_measurable_effect: 'No measurable effect: the difference is within chance.',
      hurt: 'It hurt: customers who got it bought less than the control group.',
      not_enough_data: 'Not enough data yet to say whether it helped.',
    },
    states: {
      collecting: 'collecting (fewer messages delivered than the minimum)',
      ok: 'within limits',
      tripped: 'over a limit',
    },
  },
  ru: {
    heading: 'Результаты',
    help: 'Клиенты, получившие кампанию, против контрольной группы; покупки в окне атрибуции.',
    treated: 'Получили кампанию',
    holdout: 'Контрольная группа',
    customers: 'Клиентов',
    converted: 'Купили',
    conversion: 'Конверсия',
    clicked: 'Перешли по ссылке',
    revenue: 'Выручка',
    uplift: 'Прирост',
    interval: '95% интервал',
    noHoldout: 'Нет контрольной группы: задайте её долю, чтобы измерить действие кампании.',
    annoyance: 'Раздражение',
    unsubscribed: 'Отписались',
    complained: 'Пожаловались',
    smsStop: 'SMS STOP',
    annoyanceRate: 'Доля охваченных клиентов',
    guardrail: 'Ограничитель',
    limits: 'пределы',
    pausedReason: 'Приостановлена, потому что',
    recent: 'Недавние кампании этой темы: раздражение',
    none: '—',
    attribution: 'Окно атрибуции (дней)',
    verdicts: {
      helped: 'Помогла: получившие кампанию купили больше, чем контрольная группа.',
      no_measurable_effect: 'Измеримого эффекта нет: разница в пределах случайности.',
      hurt: 'Навредила: получившие кампанию купили меньше, чем контрольная группа.',
      not_enough_data: 'Пока мало данных, чтобы сказать, помогла ли кампания.',
    },
    states: {
      collecting: 'собирает данные (доставлено меньше минимума)',
      ok: 'в пределах',
      tripped: 'предел превышен',
    },
  },
} as const;

const pct = (r: number, lang: Lang) =>
  `${(r * 100).toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 2 })}%`;
const pp = (r: number, lang: Lang) =>
  `${r > 0 ? '+' : ''}${(r * 100).toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    maximumFractionDigits: 1,
  })} ${lang === 'ru' ? 'п. п.' : 'pp'}`;

function money(revenue: Record<string, number>, lang: Lang, none: string): string {
  const parts = Object.entries(revenue).map(([currency, amount]) =>
    new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
      style: 'currency',
      currency,
      maximumFractionDigits: 0,
    }).format(amount),
  );
  return parts.length ? parts.join('; ') : none;
}

/** Positions (0–100) of the uplift interval on a scale that always shows zero. */
function intervalBar(u: NonNullable<CampaignResults['uplift']>) {
  const lo = Math.min(u.low, -0.05);
  const hi = Math.max(u.high, 0.05);
  const at = (v: number) => Math.round(((v - lo) / (hi - lo)) * 1000) / 10;
  return {
    x: at(u.low),
    width: Math.max(0.5, at(u.high) - at(u.low)),
    point: at(u.absolute),
    zero: at(0),
  };
}

type Recent = { id: string; name: string; customers: number; rate: number }[];

function measured(r: CampaignResults, lang: Lang) {
  const t = TEXTS[lang];
  const rate = (n: number, of: number) => (of ? pct(n / of, lang) : t.none);
  const g = r.guardrail;
  return {
    verdict: r.verdict,
    verdictText: t.verdicts[r.verdict],
    attributionDays: r.attributionDays,
    treated: {
      customers: r.treated.customers,
      converted: r.treated.converted,
      conversion: rate(r.treated.converted, r.treated.customers),
      clicked: r.treated.clicked,
      revenue: money(r.treated.revenue, lang, t.none),
    },
    holdout:
      r.holdout.customers > 0
        ? {
            customers: r.holdout.customers,
            converted: r.holdout.converted,
            conversion: rate(r.holdout.converted, r.holdout.customers),
            revenue: money(r.holdout.revenue, lang, t.none),
          }
        : null,
    uplift: r.uplift
      ? {
          text: pp(r.uplift.absolute, lang),
          interval: `${pp(r.uplift.low, lang)} … ${pp(r.uplift.high, lang)}`,
          bar: intervalBar(r.uplift),
        }
      : null,
    annoyance: { ...r.annoyance, rate: pct(r.annoyance.rate, lang) },
    guardrail: g
      ? {
          state: g.state,
          stateText: t.states[g.state],
          complaintRate: pct(g.complaintRate, lang),
          unsubscribeRate: pct(g.unsubscribeRate, lang),
          limits: `${pct(g.maxComplaintRate, lang)} / ${pct(g.maxUnsubscribeRate, lang)}, ≥ ${g.minDelivered}`,
          pausedReason: g.pausedReason,
        }
      : null,
  };
}

export interface CampaignResultsView {
  t: (typeof TEXTS)[Lang];
  /** null for a draft: nothing measured yet, only what recent campaigns on its topic cost. */
  measured: ReturnType<typeof measured> | null;
  recent: { id: string; name: string; customers: number; rate: string }[];
}

/** The campaign page's results section; null when there is nothing at all to show. */
export async function campaignResultsView(
  service: CampaignResultsService,
  c: CampaignView,
  lang: Lang,
): Promise<CampaignResultsView | null> {
  const recent: Recent = await service.recentOnTopic(c.topic, c.id);
  const results = c.launchedAt === null ? null : measured(await service.results(c.id), lang);
  if (results === null && recent.length === 0) return null;
  return {
    t: TEXTS[lang],
    measured: results,
    recent: recent.map((x) => ({ ...x, rate: pct(x.rate, lang) })),
  };
}
