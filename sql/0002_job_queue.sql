-- The job engine, part two: per-key order, lease rescue and upkeep (JobQueue).
--
-- Locking notes. A claim takes a job of an ordering key only when no older job of that key is
-- live (available, retryable or running) and none of that key is running; it reads both facts
-- through the partial indexes below (jobs_ordering from 0001 for "older and live", this file's
-- jobs_ordering_running for "running"), so the check stays cheap however long the history is.
--
-- jobs_ordering_running also turns "at most one running job per ordering key" from a property of
-- the claim query into a constraint: when two transactions that enqueued jobs of one key commit
-- out of id order, two claimers could each see a different job as the key's head; the second
-- to mark its job running then fails with a unique violation instead of running it alongside
-- the first (JobQueue.claim retries with a fresh snapshot, which sees the running job).
CREATE UNIQUE INDEX jobs_ordering_running ON jobs (ordering_key)
    WHERE state = 'running' AND ordering_key IS NOT NULL;
