-- webhook_events becomes a table partitioned by UTC day on received_at, so that retention drops
-- a whole day's partition (constant time, no dead rows, no vacuum) instead of deleting millions
-- of rows in batches (docs/benchmarks.md, "Partitioned webhook log").
--
-- Shape after this migration:
--   webhook_events           the partitioned parent; primary key (id, received_at), because a
--                            partitioned table's unique keys must hold the partition key. Ids
--                            still come from one identity sequence, so `id` alone stays unique
--                            and every lookup by id keeps working (probing each partition's key).
--   webhook_events_legacy    the table as it was, attached as the partition FROM (MINVALUE) TO
--                            its bound (the UTC midnight after its newest row; today's midnight
--                            when it is empty). Pruned row by row until it is empty, then dropped.
--   webhook_events_YYYYMMDD  one per UTC day, created ahead by webhook_events_create_partitions
--                            (here, and every minute by the maintenance service: WebhookPartitions).
--   webhook_events_default   catches any row whose day has no partition yet, so an insert never
--                            fails for want of one; the next createAhead moves such rows into
--                            their day's new partition.
-- Indexes: the primary key, webhook_events_pending (the claim) and webhook_events_parked (0009)
-- on every partition. The day partitions have no received_at index: retention no longer needs
-- one, and without it the planner looks rows up by the primary key (id, received_at).
--
-- Online safety (docs/operations.md, "Partitioning webhook_events"): attaching the old table
-- needs a unique index on (id, received_at) and a validated CHECK (received_at < bound) that
-- proves the partition's range without a scan. This migration runs in one transaction holding an
-- ACCESS EXCLUSIVE lock on webhook_events from its first statement: when both already exist (an
-- operator built them beforehand with CREATE UNIQUE INDEX CONCURRENTLY and ADD CONSTRAINT ... NOT
-- VALID + VALIDATE CONSTRAINT, which let writes go on), everything below is catalogue work and
-- the lock lasts milliseconds. Otherwise the index build and the constraint's scan run here,
-- under the lock: fine for a small table, minutes of refused webhooks for a large one.
LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE;

CREATE UNIQUE INDEX IF NOT EXISTS webhook_events_id_received ON webhook_events (id, received_at);

-- Names a partition's indexes after their parent's, <partition>_pkey / _pending / _parked, so
-- plans read like the unpartitioned table's (Postgres would derive names from the columns).
CREATE FUNCTION webhook_events_name_partition_indexes(partition text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    child text;
    parent text;
BEGIN
    FOR child, parent IN
        SELECT ci.relname, pi.relname
        FROM pg_index x
        JOIN pg_class ci ON ci.oid = x.indexrelid
        JOIN pg_inherits inh ON inh.inhrelid = ci.oid
        JOIN pg_class pi ON pi.oid = inh.inhparent
        WHERE x.indrelid = to_regclass(quote_ident(partition))
    LOOP
        CONTINUE WHEN child = partition || substring(parent FROM length('webhook_events') + 1);
        EXECUTE format('ALTER INDEX %I RENAME TO %I', child, partition || substring(parent FROM length('webhook_events') + 1));
    END LOOP;
END
$$;

-- Creates the missing day partitions for `days` UTC days from `first_day` and returns how many
-- it created. A day is skipped when another partition already covers it (the legacy partition's
-- range); rows the default partition took for a day move into that day's new partition. Each new
-- partition is built on its own and then attached (SHARE UPDATE EXCLUSIVE on the parent, so
-- webhook inserts and the ingest claim go on; the default partition is locked briefly to be checked).
CREATE FUNCTION webhook_events_create_partitions(first_day date, days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    day date;
    name text;
    lower_bound timestamptz;
    upper_bound timestamptz;
    created integer := 0;
BEGIN
    FOR day IN SELECT generate_series(first_day, first_day + greatest(days - 1, 0), interval '1 day')::date LOOP
        name := 'webhook_events_' || to_char(day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass(quote_ident(name)) IS NOT NULL;
        lower_bound := day::timestamp AT TIME ZONE 'UTC';
        upper_bound := (day + 1)::timestamp AT TIME ZONE 'UTC';
        BEGIN
            -- 0004's autovacuum settings for webhook_events, per partition (a partitioned table has none).
            EXECUTE format(
                'CREATE TABLE %I (LIKE webhook_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES'
                ' INCLUDING STORAGE INCLUDING COMPRESSION) WITH (autovacuum_vacuum_scale_factor = 0.02,'
                ' autovacuum_vacuum_insert_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.02)', name);
            EXECUTE format(
                'WITH moved AS (DELETE FROM webhook_events_default WHERE received_at >= %L AND received_at < %L RETURNING *)'
                ' INSERT INTO %I SELECT * FROM moved', lower_bound, upper_bound, name);
            EXECUTE format('ALTER TABLE webhook_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           name, lower_bound, upper_bound);
            PERFORM webhook_events_name_partition_indexes(name);
            created := created + 1;
        EXCEPTION WHEN invalid_object_definition THEN
            -- "would overlap partition": the legacy partition covers this day; nothing to create.
            NULL;
        END;
    END LOOP;
    RETURN created;
END
$$;

DO $$
DECLARE
    bound timestamptz;
    validated boolean;
    next_id bigint;
    id_called boolean;
BEGIN
    -- The bound: an operator's validated constraint (built ahead, online), or one made here.
    BEGIN
        SELECT substring(pg_get_constraintdef(c.oid) FROM '''([^'']+)''')::timestamptz, c.convalidated
          INTO bound, validated
          FROM pg_constraint c
         WHERE c.conrelid = 'webhook_events'::regclass AND c.conname = 'webhook_events_legacy_bound';
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
        RAISE EXCEPTION 'constraint webhook_events_legacy_bound must read CHECK (received_at < ''<a UTC midnight>'')'
            USING HINT = 'docs/operations.md, "Partitioning an existing deployment"';
    END;
    IF bound IS NULL THEN
        SELECT greatest(date_trunc('day', now() AT TIME ZONE 'UTC'),
                        date_trunc('day', max(received_at) AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC'
          INTO bound FROM webhook_events;
        EXECUTE format('ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_legacy_bound CHECK (received_at < %L)', bound);
    ELSIF NOT validated THEN
        ALTER TABLE webhook_events VALIDATE CONSTRAINT webhook_events_legacy_bound;
    END IF;

    -- The old table steps aside with its rows, indexes and settings; its sequence's position
    -- carries over to the new identity so ids keep rising.
    EXECUTE format('SELECT last_value, is_called FROM %s', pg_get_serial_sequence('webhook_events', 'id'))
       INTO next_id, id_called;
    ALTER TABLE webhook_events RENAME TO webhook_events_legacy;
    ALTER TABLE webhook_events_legacy ALTER COLUMN id DROP IDENTITY;
    ALTER TABLE webhook_events_legacy DROP CONSTRAINT webhook_events_pkey;
    ALTER TABLE webhook_events_legacy ADD CONSTRAINT webhook_events_legacy_pkey PRIMARY KEY USING INDEX webhook_events_id_received;
    ALTER INDEX webhook_events_pending RENAME TO webhook_events_legacy_pending;
    ALTER INDEX webhook_events_parked RENAME TO webhook_events_legacy_parked;
    ALTER INDEX webhook_events_received RENAME TO webhook_events_legacy_received;

    CREATE TABLE webhook_events (
        id              bigint GENERATED ALWAYS AS IDENTITY,
        received_at     timestamptz NOT NULL DEFAULT now(),
        body            bytea NOT NULL,
        state           text NOT NULL DEFAULT 'pending'
                        CONSTRAINT webhook_events_state_check CHECK (state IN ('pending', 'processed', 'parked')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        processed_at    timestamptz,
        last_error      text,
        CONSTRAINT webhook_events_pkey PRIMARY KEY (id, received_at)
    ) PARTITION BY RANGE (received_at);
    PERFORM setval(pg_get_serial_sequence('webhook_events', 'id'), next_id, id_called);
    CREATE INDEX webhook_events_pending ON webhook_events (next_attempt_at, id) WHERE state = 'pending';
    CREATE INDEX webhook_events_parked ON webhook_events (id) WHERE state = 'parked';
    BEGIN
        ALTER TABLE webhook_events ALTER COLUMN body SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'this PostgreSQL has no lz4: webhook bodies stay pglz-compressed';
    END;

    -- The constraint proves the range, so attaching reads no rows; the old indexes become the
    -- partition's (same definitions), so none is built.
    EXECUTE format('ALTER TABLE webhook_events ATTACH PARTITION webhook_events_legacy FOR VALUES FROM (MINVALUE) TO (%L)', bound);
    CREATE TABLE webhook_events_default PARTITION OF webhook_events DEFAULT
        WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.05,
              autovacuum_analyze_scale_factor = 0.02);
    PERFORM webhook_events_name_partition_indexes('webhook_events_default');
    PERFORM webhook_events_create_partitions((now() AT TIME ZONE 'UTC')::date, 3);
END
$$;
