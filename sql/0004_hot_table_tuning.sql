-- Storage and autovacuum settings for the tables that churn, from the 30-minute soak
-- (docs/benchmarks.md, "Soak"): with the default 20 % scale factor, autovacuum on `jobs` waits
-- longer as history grows (about 2.4 M dead rows per vacuum at a week of 20 sends/s).
--
-- jobs: every job is updated 2-3 times (claim, outcome, completion); room on each page keeps
-- those updates HOT, and vacuum runs after 1 % of the rows changed instead of 20 %.
ALTER TABLE jobs SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                      autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000);
-- webhook_events: insert-mostly, then updated once (processed) and finally pruned.
ALTER TABLE webhook_events SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.05,
                                autovacuum_analyze_scale_factor = 0.02);
-- messages: outbound ones move queued → sending → sent → delivered → seen.
ALTER TABLE messages SET (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.05);
