-- The send path updates every outbound message twice (queued → sending → sent). `status` was in
-- messages_failed's predicate, which made every status change a non-HOT update (new entries in
-- every index of messages). The same rows, named by failure_reason instead (the table's CHECK
-- makes `status = 'failed'` and `failure_reason IS NOT NULL` equivalent), leave `status` out of
-- every index, so `queued → sending` can stay on its page (HOT). Queries that want this index
-- name a failure_reason (`failure_reason = …` implies the predicate) or say
-- `failure_reason IS NOT NULL`.
DROP INDEX messages_failed;
CREATE INDEX messages_failed ON messages (page_id, failure_reason) WHERE failure_reason IS NOT NULL;
