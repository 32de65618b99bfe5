-- Subscribing connected pages to the app's webhooks (docs/design.md, "Connecting a page"):
-- PUT /admin/pages/{id} calls Graph's POST /{page-id}/subscribed_apps, and a `subscribe_page` job
-- (the existing `jobs` table, unique key = page id) retries transient failures. The page keeps
-- what Graph confirmed: `subscribed_fields`, the fields subscribed for the current connection,
-- or `subscription_error`, why the last attempt failed. Both are NULL while a subscription is in
-- progress, and on pages connected before this migration (reconnecting subscribes them).
--
-- Locking notes: two nullable columns without a default are a catalog change only (no table
-- rewrite); the CHECK is validated by one scan of `pages`, which holds one row per page. Both
-- take ACCESS EXCLUSIVE on `pages` for that moment only. No index: the columns are read with
-- their page, and the retries find their jobs through `jobs_unique`.
ALTER TABLE pages
    ADD COLUMN subscribed_fields text[],
    ADD COLUMN subscription_error text,
    ADD CONSTRAINT pages_subscription_one_of CHECK (subscribed_fields IS NULL OR subscription_error IS NULL);
