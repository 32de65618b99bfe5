-- Herald's initial schema: the tables of docs/design.md, Data model.
--
-- Locking notes: webhook_events and jobs are queues drained with FOR UPDATE SKIP LOCKED, so their
-- "ready" indexes are partial (only rows still to be worked on) and stay small however large the
-- history grows. Finished rows are kept for replay/audit and pruned by retention jobs.

-- Pages Herald may send for. A page appears here when an admin connects it; webhooks for pages
-- that were never connected are still stored and processed (last_webhook_at is tracked for them).
CREATE TABLE pages (
    id                  text PRIMARY KEY,
    name                text,
    -- The page access token: UTF-8 bytes, or an AES-GCM sealed box when token_encrypted.
    access_token        bytea,
    token_encrypted     boolean NOT NULL DEFAULT false,
    token_status        text NOT NULL DEFAULT 'valid' CHECK (token_status IN ('valid', 'expired')),
    token_expired_at    timestamptz,
    connected_at        timestamptz,
    reconnected_at      timestamptz,
    human_agent_enabled boolean NOT NULL DEFAULT false,
    last_webhook_at     timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Every verified webhook body exactly as received (the signed bytes), before any parsing.
CREATE TABLE webhook_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at     timestamptz NOT NULL DEFAULT now(),
    body            bytea NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed', 'parked')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz,
    last_error      text
);
CREATE INDEX webhook_events_pending ON webhook_events (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX webhook_events_received ON webhook_events (received_at);

-- One row per customer of a page. first/last active are min/max of event timestamps, so
-- duplicates and out-of-order deliveries converge to the same values.
CREATE TABLE customers (
    page_id             text NOT NULL,
    psid                text NOT NULL,
    first_active_at     timestamptz,
    last_active_at      timestamptz,
    last_message_at     timestamptz,  -- latest customer message or postback: the 24-hour window
    total_messages      bigint NOT NULL DEFAULT 0,
    delivered_watermark timestamptz,
    read_watermark      timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (page_id, psid)
);

-- Inbound and outbound messages. `mid` is Facebook's id: unique, so duplicate webhooks collapse.
CREATE TABLE messages (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    page_id            text NOT NULL,
    psid               text NOT NULL,
    mid                text UNIQUE,
    direction          text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    author             text NOT NULL CHECK (author IN ('customer', 'supporter', 'bot')),
    content            jsonb NOT NULL,
    status             text NOT NULL CHECK (status IN
                           ('received', 'queued', 'sending', 'sent', 'delivered', 'seen', 'failed', 'resend')),
    failure_reason     text CHECK (failure_reason IN ('invalid_format', 'file_too_large', 'url_blacklisted',
                           'outside_window', 'token_expired', 'recipient_unavailable', 'rate_limited',
                           'graph_unavailable', 'unknown')),
    failure_detail     text,
    graph_code         integer,
    graph_subcode      integer,
    failed_at          timestamptz,
    attempts           integer NOT NULL DEFAULT 0,
    idempotency_key    text,
    event_timestamp    timestamptz,  -- Facebook's timestamp for inbound messages and echoes
    created_at         timestamptz NOT NULL DEFAULT now(),
    sent_at            timestamptz,
    delivered_at       timestamptz,
    seen_at            timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
);
CREATE INDEX messages_conversation ON messages (page_id, psid, id);
CREATE UNIQUE INDEX messages_idempotency ON messages (page_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_failed ON messages (page_id, failure_reason) WHERE status = 'failed';

-- Every send attempt of an outbound message: resends are real attempts, never status flips.
CREATE TABLE message_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    attempted_at  timestamptz NOT NULL DEFAULT now(),
    outcome       text NOT NULL,
    http_status   integer,
    graph_code    integer,
    graph_subcode integer,
    detail        text
);
CREATE INDEX message_attempts_message ON message_attempts (message_id, id);

-- The job engine's table (JobQueue). States are a closed set; see docs/design.md.
CREATE TABLE jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}',
    state         text NOT NULL DEFAULT 'available'
                      CHECK (state IN ('available', 'running', 'completed', 'retryable', 'discarded')),
    run_at        timestamptz NOT NULL DEFAULT now(),
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL DEFAULT 8,
    ordering_key  text,
    unique_key    text,
    locked_by     text,
    locked_until  timestamptz,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX jobs_ready ON jobs (run_at, id) WHERE state IN ('available', 'retryable');
CREATE INDEX jobs_running_lease ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_ordering ON jobs (ordering_key, id) WHERE ordering_key IS NOT NULL AND state IN ('available', 'retryable', 'running');
CREATE UNIQUE INDEX jobs_unique ON jobs (kind, unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'retryable', 'running');
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('completed', 'discarded');

-- URLs Facebook refused to send (error 368), and which messages they hold back.
CREATE TABLE blocked_urls (
    url            text PRIMARY KEY,
    blocked_at     timestamptz NOT NULL DEFAULT now(),
    released_at    timestamptz,
    next_probe_at  timestamptz,
    probe_attempts integer NOT NULL DEFAULT 0
);
CREATE TABLE message_blocked_urls (
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    url        text NOT NULL REFERENCES blocked_urls (url) ON DELETE CASCADE,
    PRIMARY KEY (message_id, url)
);
CREATE INDEX message_blocked_urls_url ON message_blocked_urls (url);

-- Notifications for supporters; active while cleared_at is NULL, at most one active per kind and customer.
CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('customer_inactive')),
    page_id    text NOT NULL,
    psid       text NOT NULL,
    raised_at  timestamptz NOT NULL DEFAULT now(),
    cleared_at timestamptz
);
CREATE UNIQUE INDEX notifications_active ON notifications (kind, page_id, psid) WHERE cleared_at IS NULL;
CREATE INDEX notifications_active_page ON notifications (page_id, raised_at) WHERE cleared_at IS NULL;
