-- Live updates (GET /v1/stream): every change supporters see is appended to `changes` by a
-- trigger, in the transaction that makes it, and announced with NOTIFY herald_changes. So every
-- process that writes (gateway, ingest workers, send workers, scheduled jobs) publishes without
-- knowing about the stream, and every gateway replica streams every change.
--
-- A row names what changed (the message, notification or customer), not its content: the
-- gateway reads the current resource when it streams it, so clients get the same shapes as the
-- /v1 reads (display_status and resend rules included) and the log stays small. Ids order the
-- stream and are the SSE `id:`; a client resumes with Last-Event-ID from what is still kept
-- (the newest 100,000 rows; older ones are pruned by `herald work`).
CREATE TABLE changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('message.created', 'message.status', 'notification.raised',
                                             'notification.cleared', 'customer.updated')),
    page_id    text NOT NULL,
    psid       text NOT NULL,
    -- messages.id or notifications.id; NULL for customers (page_id, psid name them).
    subject_id bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Statement-level triggers with transition tables: one INSERT … SELECT per statement however
-- many rows it touched (ingest and watermark updates change many at once). NOTIFY with a
-- constant payload is folded to one notification per transaction.
CREATE FUNCTION herald_changes_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO changes (kind, page_id, psid, subject_id)
        SELECT 'message.created', n.page_id, n.psid, n.id FROM new_rows n ORDER BY n.id;
    ELSE
        INSERT INTO changes (kind, page_id, psid, subject_id)
        SELECT 'message.status', n.page_id, n.psid, n.id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status IS DISTINCT FROM o.status OR n.failure_reason IS DISTINCT FROM o.failure_reason
        ORDER BY n.id;
    END IF;
    IF FOUND THEN PERFORM pg_notify('herald_changes', ''); END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER messages_changes_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_changes_messages();
CREATE TRIGGER messages_changes_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_changes_messages();

CREATE FUNCTION herald_changes_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO changes (kind, page_id, psid, subject_id)
        SELECT 'notification.raised', n.page_id, n.psid, n.id FROM new_rows n ORDER BY n.id;
    ELSE
        INSERT INTO changes (kind, page_id, psid, subject_id)
        SELECT 'notification.cleared', n.page_id, n.psid, n.id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.cleared_at IS NOT NULL AND o.cleared_at IS NULL
        ORDER BY n.id;
    END IF;
    IF FOUND THEN PERFORM pg_notify('herald_changes', ''); END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER notifications_changes_insert AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_changes_notifications();
CREATE TRIGGER notifications_changes_update AFTER UPDATE ON notifications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_changes_notifications();

-- Customers: what the console shows (activity and totals), not watermark bookkeeping.
CREATE FUNCTION herald_changes_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO changes (kind, page_id, psid)
        SELECT 'customer.updated', n.page_id, n.psid FROM new_rows n ORDER BY n.page_id, n.psid;
    ELSE
        INSERT INTO changes (kind, page_id, psid)
        SELECT 'customer.updated', n.page_id, n.psid
        FROM new_rows n JOIN old_rows o ON o.page_id = n.page_id AND o.psid = n.psid
        WHERE (n.first_active_at, n.last_active_at, n.last_message_at, n.total_messages)
              IS DISTINCT FROM (o.first_active_at, o.last_active_at, o.last_message_at, o.total_messages)
        ORDER BY n.page_id, n.psid;
    END IF;
    IF FOUND THEN PERFORM pg_notify('herald_changes', ''); END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_changes_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_changes_customers();
CREATE TRIGGER customers_changes_update AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_changes_customers();

-- GET /v1/pages/{page_id}/customers: a page's customers, most recently active first.
CREATE INDEX customers_recent ON customers (page_id, last_active_at DESC NULLS LAST, psid);
