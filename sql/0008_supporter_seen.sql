-- Sender actions (POST /v1/pages/{page_id}/customers/{psid}/actions): `mark_seen` records when a
-- supporter last saw the conversation, and the conversation list counts the customer's messages
-- since then (`unread`). Adding a nullable column without a default rewrites nothing and holds
-- the table's lock only for the catalog change.
ALTER TABLE customers ADD COLUMN last_seen_by_supporter_at timestamptz;

-- The console shows `unread`, so a supporter's read is a customer change for /v1/stream too
-- (0003's function compared only activity and totals).
CREATE OR REPLACE FUNCTION herald_changes_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO changes (kind, page_id, psid)
        SELECT 'customer.updated', n.page_id, n.psid FROM new_rows n ORDER BY n.page_id, n.psid;
    ELSE
        INSERT INTO changes (kind, page_id, psid)
        SELECT 'customer.updated', n.page_id, n.psid
        FROM new_rows n JOIN old_rows o ON o.page_id = n.page_id AND o.psid = n.psid
        WHERE (n.first_active_at, n.last_active_at, n.last_message_at, n.total_messages, n.last_seen_by_supporter_at)
              IS DISTINCT FROM
              (o.first_active_at, o.last_active_at, o.last_message_at, o.total_messages, o.last_seen_by_supporter_at)
        ORDER BY n.page_id, n.psid;
    END IF;
    IF FOUND THEN PERFORM pg_notify('herald_changes', ''); END IF;
    RETURN NULL;
END $$;
