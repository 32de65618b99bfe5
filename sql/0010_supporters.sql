-- Supporter accounts and attribution (docs/design.md, "Supporters and attribution"). An admin
-- creates supporters through /admin/supporters; each has its own bearer token for /v1. The token
-- is 32 random bytes shown once: only its SHA-256 is kept, and the gateway finds the supporter by
-- that hash (unique index), so a stolen table gives no usable token. A fast hash is right for 256
-- random bits; a password hash would only slow every request. Supporters are never deleted:
-- revoking sets `revoked_at`, so their messages keep a name.
--
-- `last_active_at` is written at most once a minute per supporter (the lookup's UPDATE skips a
-- row touched in the last minute), not once per request.
CREATE TABLE supporters (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Trimmed, 1 to 100 characters: the API checks the length (Swift counts characters).
    name             text NOT NULL CHECK (btrim(name) <> ''),
    email            text,
    token_hash       bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    created_at       timestamptz NOT NULL,
    token_rotated_at timestamptz,
    last_active_at   timestamptz,
    revoked_at       timestamptz
);

CREATE UNIQUE INDEX supporters_token_hash ON supporters (token_hash);

-- Who created an outbound message (`sent_by`) and who last requeued it (`resent_by`):
-- 'supporter' (with the supporter's id), 'api' (the service token HERALD_API_TOKEN) or 'system'
-- (a reconnect, a URL release or probe, an auto-resend after the customer wrote). NULL on
-- inbound and bot messages, and on messages older than this migration (the API reports a
-- supporter-authored one of those as 'api': the service token was the only way to send then).
--
-- Locking notes: nullable columns without a default are a catalog change (no rewrite). The
-- constraints are added NOT VALID: they hold for every row written from now on, and skip the
-- scan of existing rows (all NULL here, so there is nothing to validate). ACCESS EXCLUSIVE on
-- `messages` for the catalog change only. No index: the columns are read with their message.
ALTER TABLE messages
    ADD COLUMN sent_by text,
    ADD COLUMN sent_by_supporter_id bigint,
    ADD COLUMN resent_by text,
    ADD COLUMN resent_by_supporter_id bigint;

ALTER TABLE messages
    ADD CONSTRAINT messages_sent_by_kind CHECK (sent_by IN ('supporter', 'api', 'system')) NOT VALID,
    ADD CONSTRAINT messages_resent_by_kind CHECK (resent_by IN ('supporter', 'api', 'system')) NOT VALID,
    ADD CONSTRAINT messages_sent_by_supporter
        CHECK ((sent_by IS NOT DISTINCT FROM 'supporter') = (sent_by_supporter_id IS NOT NULL)) NOT VALID,
    ADD CONSTRAINT messages_resent_by_supporter
        CHECK ((resent_by IS NOT DISTINCT FROM 'supporter') = (resent_by_supporter_id IS NOT NULL)) NOT VALID,
    ADD CONSTRAINT messages_sent_by_supporter_fk
        FOREIGN KEY (sent_by_supporter_id) REFERENCES supporters (id) NOT VALID,
    ADD CONSTRAINT messages_resent_by_supporter_fk
        FOREIGN KEY (resent_by_supporter_id) REFERENCES supporters (id) NOT VALID;
