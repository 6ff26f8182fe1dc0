"""SQL of the "value" build step: per-profile money, returns, engagement, and the summary tables.

Definitions (match docs/entities.md and the demo truth): over non-cancelled orders,
gross_revenue = Σ order total; refunds = Σ refund_amount of their returns; cogs = Σ qty × unit_cost
of their lines − Σ returned qty × unit_cost; shipping_cost = Σ order shipping_cost; service_cost =
Σ ticket handling_cost; net_revenue = gross − refunds; net_margin = net_revenue − cogs − shipping −
service. return_rate = returned qty × unit_price / bought qty × unit_price.

Every statement is a constant string; values (cutoffs, thresholds) are bound parameters.
"""

from __future__ import annotations

KEY_WITH_PROFILES = """
CREATE OR REPLACE TEMP VIEW _v_key AS
SELECT DISTINCT k.customer_source, k.customer_id,
       COALESCE(rp.profile_id, k.customer_source || ':' || k.customer_id) AS profile_id
FROM (SELECT customer_source, customer_id FROM orders
      UNION SELECT customer_source, customer_id FROM tickets
      UNION SELECT customer_source, customer_id FROM store_visits WHERE customer_id IS NOT NULL
      UNION SELECT source, source_customer_id FROM customers) k
LEFT JOIN record_profile rp
  ON rp.record_type = 'customer' AND rp.source = k.customer_source AND rp.record_id = k.customer_id
"""

KEY_WITHOUT_PROFILES = """
CREATE OR REPLACE TEMP VIEW _v_key AS
SELECT DISTINCT customer_source, customer_id, customer_source || ':' || customer_id AS profile_id
FROM (SELECT customer_source, customer_id FROM orders
      UNION SELECT customer_source, customer_id FROM tickets
      UNION SELECT customer_source, customer_id FROM store_visits WHERE customer_id IS NOT NULL
      UNION SELECT source, source_customer_id FROM customers)
"""

ORDERS = """
CREATE OR REPLACE TEMP TABLE _v_orders AS
SELECT o.order_id, k.profile_id, o.channel, o.store_id, o.ordered_at, o.status,
       COALESCE(o.total, 0)::DOUBLE AS total, COALESCE(o.shipping_cost, 0)::DOUBLE AS shipping_cost,
       COALESCE(l.cost, 0) AS cost, COALESCE(l.merch, 0) AS merch,
       COALESCE(r.refunds, 0) AS refunds, COALESCE(r.cost_back, 0) AS cost_back,
       COALESCE(r.merch_back, 0) AS merch_back
FROM orders o
JOIN _v_key k ON k.customer_source = o.customer_source AND k.customer_id = o.customer_id
LEFT JOIN (SELECT i.order_id, SUM(i.qty * COALESCE(p.unit_cost, 0))::DOUBLE AS cost,
                  SUM(i.qty * i.unit_price)::DOUBLE AS merch
           FROM order_items i LEFT JOIN products p ON p.sku = i.sku GROUP BY i.order_id) l
  ON l.order_id = o.order_id
LEFT JOIN (SELECT r.order_id, SUM(COALESCE(r.refund_amount, 0))::DOUBLE AS refunds,
                  SUM(r.qty * COALESCE(p.unit_cost, 0))::DOUBLE AS cost_back,
                  SUM(r.qty * COALESCE(i.unit_price, 0))::DOUBLE AS merch_back
           FROM returns r
           LEFT JOIN order_items i ON i.order_id = r.order_id AND i.line_number = r.line_number
           LEFT JOIN products p ON p.sku = COALESCE(r.sku, i.sku)
           GROUP BY r.order_id) r
  ON r.order_id = o.order_id
WHERE o.status <> 'cancelled'
"""

# Profiles whose every order up to the cutoff ($stop, exclusive) was cancelled: their first attempt is
# where their relationship starts (a purchase model's first purchase), as build_clv.py forecasts them.
ATTEMPTS_ONLY = """
SELECT k.profile_id, MIN(o.ordered_at)::DATE AS day, 0.0::DOUBLE AS total FROM orders o
JOIN _v_key k ON k.customer_source = o.customer_source AND k.customer_id = o.customer_id
WHERE o.status = 'cancelled' AND o.ordered_at < $stop::TIMESTAMP
  AND k.profile_id NOT IN (SELECT profile_id FROM _v_orders)
GROUP BY k.profile_id ORDER BY k.profile_id
"""

MONEY = """
CREATE OR REPLACE TEMP TABLE _v_money AS
WITH svc AS (
  SELECT k.profile_id, SUM(COALESCE(t.handling_cost, 0))::DOUBLE AS service_cost, COUNT(*) AS tickets
  FROM tickets t JOIN _v_key k ON k.customer_source = t.customer_source AND k.customer_id = t.customer_id
  GROUP BY k.profile_id),
ord AS (
  SELECT profile_id, COUNT(*) AS orders, SUM(total) AS gross_revenue, SUM(refunds) AS refunds,
         SUM(cost - cost_back) AS cogs, SUM(shipping_cost) AS shipping_cost,
         SUM(merch) AS merch, SUM(merch_back) AS merch_back,
         MIN(ordered_at) AS first_order_at, MAX(ordered_at) AS last_order_at
  FROM _v_orders GROUP BY profile_id),
profiles AS (SELECT DISTINCT profile_id FROM _v_key)
SELECT p.profile_id, COALESCE(o.orders, 0) AS orders,
       COALESCE(o.gross_revenue, 0) AS gross_revenue, COALESCE(o.refunds, 0) AS refunds,
       COALESCE(o.cogs, 0) AS cogs, COALESCE(o.shipping_cost, 0) AS shipping_cost,
       COALESCE(s.service_cost, 0) AS service_cost, COALESCE(s.tickets, 0) AS tickets,
       COALESCE(o.gross_revenue, 0) - COALESCE(o.refunds, 0) AS net_revenue,
       COALESCE(o.gross_revenue, 0) - COALESCE(o.refunds, 0) - COALESCE(o.cogs, 0)
         - COALESCE(o.shipping_cost, 0) - COALESCE(s.service_cost, 0) AS net_margin,
       CASE WHEN COALESCE(o.merch, 0) > 0 THEN o.merch_back / o.merch ELSE 0 END AS return_rate,
       o.first_order_at, o.last_order_at,
       date_trunc('month', o.first_order_at)::DATE AS acquisition_cohort
FROM profiles p LEFT JOIN ord o USING (profile_id) LEFT JOIN svc s USING (profile_id)
"""

# Engagement touches: email opens/clicks (by email address), store visits, and orders by channel.
TOUCHES = """
CREATE OR REPLACE TEMP TABLE _v_touch AS
SELECT DISTINCT e.interaction_id AS touch_id, k.profile_id, 'email' AS channel, e.occurred_at AS touched_at
FROM email_interactions e
JOIN customers c ON lower(c.email) = lower(e.email)
JOIN _v_key k ON k.customer_source = c.source AND k.customer_id = c.source_customer_id
WHERE e.kind IN ('open', 'click')
UNION ALL
SELECT v.visit_id, k.profile_id, 'store', v.visited_at
FROM store_visits v JOIN _v_key k ON k.customer_source = v.customer_source AND k.customer_id = v.customer_id
UNION ALL
SELECT order_id, profile_id, channel, ordered_at FROM _v_orders
"""

REACH = """
CREATE OR REPLACE TEMP TABLE _v_reach AS
WITH by_channel AS (
  SELECT profile_id, channel, COUNT(*) AS n,
         ROW_NUMBER() OVER (PARTITION BY profile_id ORDER BY COUNT(*) DESC, channel) AS rk
  FROM _v_touch GROUP BY profile_id, channel),
by_hour AS (
  SELECT profile_id, hour(touched_at) AS h,
         ROW_NUMBER() OVER (PARTITION BY profile_id ORDER BY COUNT(*) DESC, hour(touched_at)) AS rk
  FROM _v_touch WHERE channel IN ('email', 'store', 'web', 'app') GROUP BY profile_id, hour(touched_at)),
by_day AS (
  SELECT profile_id, dayname(touched_at) AS d,
         ROW_NUMBER() OVER (PARTITION BY profile_id ORDER BY COUNT(*) DESC, dayname(touched_at)) AS rk
  FROM _v_touch WHERE channel IN ('email', 'store', 'web', 'app') GROUP BY profile_id, dayname(touched_at)),
counts AS (
  SELECT profile_id, COUNT(*) FILTER (WHERE channel = 'email') AS email_engagements,
         COUNT(*) FILTER (WHERE channel = 'store') AS store_visits
  FROM _v_touch GROUP BY profile_id)
SELECT c.profile_id, c.email_engagements, c.store_visits, ch.channel AS preferred_channel,
       h.h AS best_hour, d.d AS best_day
FROM counts c
LEFT JOIN by_channel ch ON ch.profile_id = c.profile_id AND ch.rk = 1
LEFT JOIN by_hour h ON h.profile_id = c.profile_id AND h.rk = 1
LEFT JOIN by_day d ON d.profile_id = c.profile_id AND d.rk = 1
"""

# Per-profile behaviour before a cutoff (bound twice): churn features beyond RFM.
BEHAVIOUR_BEFORE = """
SELECT m.profile_id,
  COALESCE((SELECT SUM(refunds) / NULLIF(SUM(total), 0) FROM _v_orders o
            WHERE o.profile_id = m.profile_id AND o.ordered_at <= $cutoff), 0) AS refund_ratio,
  (SELECT COUNT(*) FROM tickets t JOIN _v_key k
     ON k.customer_source = t.customer_source AND k.customer_id = t.customer_id
   WHERE k.profile_id = m.profile_id AND t.opened_at <= $cutoff
     AND t.opened_at > $cutoff - INTERVAL 182 DAY) AS tickets_26w,
  (SELECT COUNT(*) FROM _v_touch x WHERE x.profile_id = m.profile_id AND x.channel IN ('email', 'store')
     AND x.touched_at <= $cutoff AND x.touched_at > $cutoff - INTERVAL 91 DAY) AS engagement_13w,
  (SELECT COUNT(*) FROM _v_touch x WHERE x.profile_id = m.profile_id AND x.channel IN ('email', 'store')
     AND x.touched_at <= $cutoff AND x.touched_at > $cutoff - INTERVAL 364 DAY) AS engagement_52w,
  datediff('day', (SELECT MAX(x.touched_at) FROM _v_touch x WHERE x.profile_id = m.profile_id
     AND x.channel = 'email' AND x.touched_at <= $cutoff), $cutoff) AS days_since_email,
  datediff('day', (SELECT MAX(x.touched_at) FROM _v_touch x WHERE x.profile_id = m.profile_id
     AND x.channel = 'store' AND x.touched_at <= $cutoff), $cutoff) AS days_since_visit,
  datediff('day', (SELECT MAX(b.browsed_at) FROM _v_browse b WHERE b.profile_id = m.profile_id
     AND b.browsed_at <= $cutoff), $cutoff) AS days_since_browse
FROM _v_money m
"""

# Logged-in web/app page and screen views per profile (a userId is a web/app source_customer_id).
BROWSE = """
CREATE OR REPLACE TEMP TABLE _v_browse AS
SELECT k.profile_id, e.timestamp AS browsed_at
FROM events e JOIN _v_key k ON k.customer_source IN ('web', 'app') AND k.customer_id = e.user_id
WHERE e.type IN ('page', 'screen')
"""
NO_BROWSE = "CREATE OR REPLACE TEMP TABLE _v_browse (profile_id VARCHAR, browsed_at TIMESTAMP)"

COHORT_RETENTION = """
CREATE OR REPLACE TABLE cohort_retention AS
WITH firsts AS (SELECT profile_id, acquisition_cohort FROM _v_money WHERE acquisition_cohort IS NOT NULL),
active AS (
  SELECT DISTINCT o.profile_id, f.acquisition_cohort,
         datediff('month', f.acquisition_cohort, date_trunc('month', o.ordered_at)) AS months_since
  FROM _v_orders o JOIN firsts f USING (profile_id)),
size AS (SELECT acquisition_cohort, COUNT(*) AS cohort_size FROM firsts GROUP BY 1)
SELECT a.acquisition_cohort, a.months_since, s.cohort_size, COUNT(*) AS active_customers,
       COUNT(*)::DOUBLE / s.cohort_size AS retention
FROM active a JOIN size s USING (acquisition_cohort)
GROUP BY a.acquisition_cohort, a.months_since, s.cohort_size
ORDER BY 1, 2
"""

COHORT_MARGIN = """
CREATE OR REPLACE TABLE cohort_margin AS
SELECT m.acquisition_cohort,
       datediff('month', m.acquisition_cohort, date_trunc('month', o.ordered_at)) AS months_since,
       COUNT(DISTINCT o.profile_id) AS customers, SUM(o.total) AS gross_revenue,
       SUM(o.total - o.refunds - (o.cost - o.cost_back) - o.shipping_cost) AS order_margin
FROM _v_orders o JOIN _v_money m USING (profile_id)
GROUP BY 1, 2 ORDER BY 1, 2
"""

_PROFITABILITY = """
SELECT {dim}, COUNT(*) AS orders, COUNT(DISTINCT profile_id) AS customers, SUM(total) AS gross_revenue,
       SUM(refunds) AS refunds, SUM(cost - cost_back) AS cogs, SUM(shipping_cost) AS shipping_cost,
       SUM(total - refunds) AS net_revenue,
       SUM(total - refunds - (cost - cost_back) - shipping_cost) AS net_margin,
       SUM(merch_back) / NULLIF(SUM(merch), 0) AS return_rate
FROM _v_orders {where} GROUP BY {dim} ORDER BY net_margin DESC
"""
PROFITABILITY_BY_STORE = "CREATE OR REPLACE TABLE profitability_by_store AS " + _PROFITABILITY.format(
    dim="store_id", where="WHERE store_id IS NOT NULL")
PROFITABILITY_BY_CHANNEL = "CREATE OR REPLACE TABLE profitability_by_channel AS " + _PROFITABILITY.format(
    dim="channel", where="")

# Per profile (ordered like _v_money): service cost, when its first customer record was created, and
# when it was first seen at all (record created, first order or first ticket); with the day the data
# starts (DATA_START) these give the weeks of exposure to service cost and whether the customer was
# already on the books when the data starts (see build_clv.py).
PROFILE_EXPOSURE = """
WITH records AS (
  SELECT k.profile_id, MIN(c.created_at) AS seen_at FROM customers c
  JOIN _v_key k ON k.customer_source = c.source AND k.customer_id = c.source_customer_id GROUP BY 1),
seen AS (
  SELECT profile_id, seen_at FROM records
  UNION ALL SELECT profile_id, MIN(ordered_at) FROM _v_orders GROUP BY 1
  UNION ALL SELECT k.profile_id, MIN(t.opened_at) FROM tickets t
  JOIN _v_key k ON k.customer_source = t.customer_source AND k.customer_id = t.customer_id GROUP BY 1)
SELECT m.profile_id, m.service_cost, ANY_VALUE(r.seen_at) AS first_record, MIN(s.seen_at) AS first_seen
FROM _v_money m LEFT JOIN records r USING (profile_id) LEFT JOIN seen s USING (profile_id)
GROUP BY m.profile_id, m.service_cost ORDER BY m.profile_id
"""

DATA_START = """
SELECT LEAST((SELECT MIN(ordered_at) FROM orders), (SELECT MIN(opened_at) FROM tickets))
"""

# Non-cancelled orders and their returns with the day the goods arrived (the return clock starts at
# delivery; an order not delivered by the cutoff has its whole return window ahead) and whether the
# parcel came (or is) later than promised, as of $stop, for pending.py.
_LATE = ("COALESCE(o.promised_delivery_at < COALESCE(o.delivered_at, $stop::TIMESTAMP), FALSE)")
PENDING_ORDERS = f"""
SELECT v.profile_id, o.delivered_at, v.total, {_LATE} AS late,
       date_diff('second', o.ordered_at, o.delivered_at) / 86400.0 AS delivery_days
FROM _v_orders v JOIN orders o ON o.order_id = v.order_id
"""
PENDING_RETURNS = f"""
SELECT v.profile_id, COALESCE(o.delivered_at, o.ordered_at) AS delivered_at, o.delivered_at AS arrived_at,
       r.returned_at, (COALESCE(r.refund_amount, 0) - r.qty * COALESCE(p.unit_cost, 0))::DOUBLE AS loss,
       {_LATE} AS late
FROM returns r JOIN _v_orders v ON v.order_id = r.order_id JOIN orders o ON o.order_id = r.order_id
LEFT JOIN order_items i ON i.order_id = r.order_id AND i.line_number = r.line_number
LEFT JOIN products p ON p.sku = COALESCE(r.sku, i.sku)
"""
