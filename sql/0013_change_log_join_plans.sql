-- The change-log triggers of 0003 (as redefined by 0008 and 0011) compare a statement's old and
-- new rows by joining its two transition tables. PL/pgSQL plans that join once per connection and
-- keeps the plan, sized by the transition tables of that first call: a connection whose first
-- customer update touched one row (a supporter opening a conversation, a watermark) keeps a
-- nested loop, and every later ingest batch on it compared every old row with every new one —
-- 600 customers, 360,000 comparisons, 40-120 ms a batch, half of ingest's database time.
-- Without nested loops the join is a hash or merge join whatever the first call saw: linear in
-- the rows touched, and no slower for one row.
--
-- A function's SET is replaced by CREATE OR REPLACE FUNCTION: a later migration that redefines
-- one of these must say it again (ChangeLogTriggerPlanTests checks all three).
ALTER FUNCTION herald_changes_messages() SET enable_nestloop = off;
ALTER FUNCTION herald_changes_notifications() SET enable_nestloop = off;
ALTER FUNCTION herald_changes_customers() SET enable_nestloop = off;
