// Advisory lock namespace: (PLAN_LOCK, hashtext(campaign id)) serialises planning per campaign.
export const PLAN_LOCK = 0x7ac7f001;

/** $1: PLAN_LOCK, $2: campaign id. */
export const TRY_PLAN_LOCK = `SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`;
export const PLAN_UNLOCK = `SELECT pg_advisory_unlock($1, hashtext($2))`;
