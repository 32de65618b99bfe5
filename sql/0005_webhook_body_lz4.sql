-- Webhook bodies over ~2 KB are compressed by TOAST on the gateway's hot path. pglz, the default,
-- cost Postgres about 10 µs of CPU per 2 KB body in scripts/bench; lz4 compresses JSON about as
-- well (2,048 → ~1,270 bytes) for a fraction of that. Servers built without lz4 keep pglz.
DO $$
BEGIN
    ALTER TABLE webhook_events ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: webhook bodies stay pglz-compressed';
END
$$;
