// The statements of the click route, each named after what it does.

/** The delivery behind a token and the link's URL; nothing when either is unknown. */
export const CLICK_TARGET = `
  SELECT d.id, d.campaign_id, d.customer_id, d.sent_at, l.url,
         cu.erased_at IS NOT NULL AS erased
    FROM deliveries d
    JOIN click_links l ON l.id = $2
    JOIN customers cu ON cu.id = d.customer_id
   WHERE d.id = $1`;

/** Clicks of one delivery are judged one at a time (is this the scanner's second link?). */
export const LOCK_DELIVERY_CLICKS = `SELECT pg_advisory_xact_lock(hashtext('click:' || $1::text))`;

/** Other links of the delivery already followed inside the scanner window ($3: its end). */
export const OTHER_LINKS_IN_WINDOW = `
  SELECT count(*)::int AS n FROM delivery_clicks
   WHERE delivery_id = $1 AND link_id <> $2 AND clicked_at <= $3`;

/** Several links within seconds of arrival: every click of that burst was a scanner. */
export const MARK_WINDOW_AS_SCANNER = `
  UPDATE delivery_clicks SET scanner = true, counted = false
   WHERE delivery_id = $1 AND clicked_at <= $2 AND counted`;

export const INSERT_CLICK = `
  INSERT INTO delivery_clicks (delivery_id, campaign_id, customer_id, link_id, clicked_at, method,
                               agent_class, scanner, counted)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text`;
