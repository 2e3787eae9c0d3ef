// The statements behind a campaign's results, each named after what it counts. Conversions are
// computed at read time from the deliveries, the holdout decisions and the purchase events, so a
// purchase recorded late (a CRM catching up) still counts, and nothing is written on the send
// path. $1 is the campaign, $2 its attribution window in days.

/** The amounts of the purchases in `cte`, summed per currency, as one JSON object. */
const revenueOf = (cte: string) => `coalesce((SELECT jsonb_object_agg(currency, total) FROM (
           SELECT data->>'currency' AS currency, sum((data->>'amount')::numeric)::float8 AS total
             FROM ${cte}
            WHERE data->>'currency' ~ '^[A-Z]{3}$' AND jsonb_typeof(data->'amount') = 'number'
            GROUP BY 1) r), '{}'::jsonb)`;

/** The campaign's handed-over deliveries and the customers they reached. */
export const TREATED_COUNTS = `
  SELECT count(DISTINCT customer_id)::int AS customers,
         count(*) FILTER (WHERE status IN ('sent', 'delivered', 'complained'))::int AS delivered
    FROM deliveries WHERE campaign_id = $1 AND sent_at IS NOT NULL`;

/** Customers with a counted click (scanner hits are kept but never counted). */
export const CLICKED_CUSTOMERS = `
  SELECT count(DISTINCT customer_id)::int AS n FROM delivery_clicks WHERE campaign_id = $1 AND counted`;

/**
 * Purchases attributed to the campaign: within the window after one of its deliveries, and the
 * latest delivery (of any campaign) handed over before the purchase is this campaign's.
 * Answers the converted customers and the revenue per currency.
 */
export const TREATED_CONVERSIONS = `
  WITH sent AS (
    SELECT customer_id, sent_at FROM deliveries WHERE campaign_id = $1 AND sent_at IS NOT NULL
  ), purchase AS (
    SELECT DISTINCT e.id, e.customer_id, e.occurred_at, e.data
      FROM sent s JOIN customer_events e
        ON e.customer_id = s.customer_id AND e.type = 'purchase'
       AND e.occurred_at > s.sent_at AND e.occurred_at <= s.sent_at + make_interval(days => $2)
  ), attributed AS (
    SELECT p.* FROM purchase p
     WHERE (SELECT x.campaign_id FROM deliveries x
             WHERE x.customer_id = p.customer_id AND x.sent_at < p.occurred_at
             ORDER BY x.sent_at DESC LIMIT 1) = $1
  )
  SELECT (SELECT count(DISTINCT customer_id)::int FROM attributed) AS converted,
         ${revenueOf('attributed')} AS revenue`;

/**
 * The control group: customers the planner held out, each from the moment of that decision.
 * A purchase counts within the same window, unless another campaign reached the customer in
 * between (then it is that campaign's, as for the treated).
 */
export const HOLDOUT_CONVERSIONS = `
  WITH held AS (
    SELECT customer_id, min(at) AS at FROM audit_events
     WHERE campaign_id = $1 AND type = 'decision.skip' AND reason = 'held_out'
     GROUP BY customer_id
  ), purchase AS (
    SELECT DISTINCT e.id, e.customer_id, e.data
      FROM held h JOIN customer_events e
        ON e.customer_id = h.customer_id AND e.type = 'purchase'
       AND e.occurred_at > h.at AND e.occurred_at <= h.at + make_interval(days => $2)
     WHERE NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.customer_id = e.customer_id
                        AND x.sent_at > h.at AND x.sent_at < e.occurred_at)
  )
  SELECT (SELECT count(*)::int FROM held) AS customers,
         (SELECT count(DISTINCT customer_id)::int FROM purchase) AS converted,
         ${revenueOf('purchase')} AS revenue`;

/** Days after a delivery within which an opt-out counts against the campaign. */
export const ANNOYANCE_DAYS = 3;

/**
 * What the campaign cost in annoyance, each customer once per kind: withdrawals that name one of
 * its deliveries or come within 3 days of its delivery to that customer (an SMS STOP apart from
 * the rest), and complaints matched to its deliveries.
 */
export const ANNOYANCE = `
  WITH sent AS (
    SELECT id, customer_id, sent_at FROM deliveries WHERE campaign_id = $1 AND sent_at IS NOT NULL
  ), withdrawn AS (
    SELECT DISTINCT a.customer_id, a.data->>'source' = 'sms-keyword' AS stop
      FROM audit_events a
     WHERE a.type = 'consent.withdrawn'
       AND a.customer_id IN (SELECT customer_id FROM sent)
       AND (a.delivery_id IN (SELECT id FROM sent)
            OR EXISTS (SELECT 1 FROM sent s WHERE s.customer_id = a.customer_id
                        AND a.at >= s.sent_at AND a.at <= s.sent_at + make_interval(days => ${ANNOYANCE_DAYS})))
  ), complained AS (
    SELECT customer_id FROM deliveries WHERE campaign_id = $1 AND status = 'complained'
    UNION
    SELECT a.customer_id FROM audit_events a
     WHERE a.campaign_id = $1 AND a.type = 'delivery.complained'
  )
  SELECT (SELECT count(DISTINCT customer_id) FROM withdrawn WHERE NOT stop)::int AS unsubscribed,
         (SELECT count(DISTINCT customer_id) FROM withdrawn WHERE stop)::int AS "smsStop",
         (SELECT count(DISTINCT customer_id) FROM complained)::int AS complained`;
