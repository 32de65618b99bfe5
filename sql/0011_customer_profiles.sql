-- Customer profiles (the User Profile API, fetched by `fetch_profile` jobs) and name search
-- (GET /v1/pages/{page_id}/customers?q=).
--
-- Columns: every new column is nullable or has a constant default, so adding them rewrites
-- nothing and holds the table's lock only for the catalog change. `name` is first and last name
-- joined and trimmed, written with them by the job (not a generated column: that would rewrite
-- the table). `profile_error` keeps Graph's refusal ("unavailable"), or the last transient error.
-- `name_search` is `name` folded for search (below), kept by a trigger.
ALTER TABLE customers
    ADD COLUMN first_name         text,
    ADD COLUMN last_name          text,
    ADD COLUMN name               text,
    ADD COLUMN name_search        text,
    ADD COLUMN profile_pic        text,
    ADD COLUMN profile_status     text NOT NULL DEFAULT 'pending',
    ADD COLUMN profile_fetched_at timestamptz,
    ADD COLUMN profile_error      text,
    ADD CONSTRAINT customers_profile_status CHECK (profile_status IN ('pending', 'fetched', 'unavailable'));

-- Search ignores case and diacritics (`nguyen` and `NGUYỄN` find `Nguyễn Văn An`; unaccent's rules
-- also map Vietnamese đ/Đ to d/D). Extensions are database-wide: they live in `public` and are
-- referenced schema-qualified, so every schema (each test runs in its own) shares them. The
-- advisory lock serialises migrations of several schemas that would otherwise race to create them.
SELECT pg_advisory_xact_lock(hashtext('herald.extensions'));
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

-- unaccent(text) is only STABLE (it reads the search path for its dictionary); with the
-- dictionary named explicitly the result depends on its input alone, which an index needs.
CREATE FUNCTION herald_search_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

-- The folded name is stored, not computed per row at query time: unaccent costs tens of
-- microseconds a call, so a search that walks or rechecks thousands of rows would spend most of
-- its time folding. Both triggers run only when a name is written (the profile job), never on
-- ingest's customer upserts (they set no name; an INSERT's WHEN is checked without a call).
CREATE FUNCTION herald_customers_name_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.name_search := herald_search_fold(NEW.name);
    RETURN NEW;
END $$;
CREATE TRIGGER customers_name_search_insert BEFORE INSERT ON customers
    FOR EACH ROW WHEN (NEW.name IS NOT NULL) EXECUTE FUNCTION herald_customers_name_search();
CREATE TRIGGER customers_name_search_update BEFORE UPDATE OF name ON customers
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name) EXECUTE FUNCTION herald_customers_name_search();

-- Trigram index over the folded name: `name_search LIKE '%…%'` for a rare name is an index scan
-- at a million customers (a common one walks customers_recent and stops at the page's end).
-- Customers without a name (no profile yet) are left out of it.
CREATE INDEX customers_name_search ON customers USING gin (name_search public.gin_trgm_ops)
    WHERE name_search IS NOT NULL;

-- A profile arriving is a customer change for /v1/stream (0008's function plus the profile).
CREATE OR REPLACE FUNCTION herald_changes_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO changes (kind, page_id, psid)
        SELECT 'customer.updated', n.page_id, n.psid FROM new_rows n ORDER BY n.page_id, n.psid;
    ELSE
        INSERT INTO changes (kind, page_id, psid)
        SELECT 'customer.updated', n.page_id, n.psid
        FROM new_rows n JOIN old_rows o ON o.page_id = n.page_id AND o.psid = n.psid
        WHERE (n.first_active_at, n.last_active_at, n.last_message_at, n.total_messages, n.last_seen_by_supporter_at,
               n.name, n.first_name, n.last_name, n.profile_pic, n.profile_status)
              IS DISTINCT FROM
              (o.first_active_at, o.last_active_at, o.last_message_at, o.total_messages, o.last_seen_by_supporter_at,
               o.name, o.first_name, o.last_name, o.profile_pic, o.profile_status)
        ORDER BY n.page_id, n.psid;
    END IF;
    IF FOUND THEN PERFORM pg_notify('herald_changes', ''); END IF;
    RETURN NULL;
END $$;
