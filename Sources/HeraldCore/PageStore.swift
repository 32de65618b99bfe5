import Foundation
import JobQueue
import Messenger
import Postgres

/// Connects pages (stores their access token, sealed when a key is configured) and lists them.
///
/// Reconnecting requeues the page's `token_expired` messages, oldest first, in the same
/// transaction as the new token, so a crash can never leave a connected page with stranded
/// messages. With a `subscription`, every (re)connect also starts subscribing the app to the
/// page's webhooks in that transaction (`PageSubscription.request`).
public struct PageStore: Sendable {
    public let outbound: OutboundStore
    /// Nil: connecting does not subscribe (a gateway without a Graph client, as in most tests).
    public let subscription: PageSubscription?
    /// Schedules, paced, the profiles of the page's customers that have none on every (re)connect.
    public let profiles: ProfileRefresh

    public init(
        outbound: OutboundStore = OutboundStore(), subscription: PageSubscription? = nil,
        profiles: ProfileRefresh = ProfileRefresh()
    ) {
        self.outbound = outbound
        self.subscription = subscription
        self.profiles = profiles
    }

    /// A page's connection request.
    public struct Connect: Sendable {
        public var pageID: String
        public var accessToken: String
        /// Nil keeps the stored name.
        public var name: String?
        /// Nil keeps the stored setting (false for a new page).
        public var humanAgentEnabled: Bool?

        public init(pageID: String, accessToken: String, name: String? = nil, humanAgentEnabled: Bool? = nil) {
            self.pageID = pageID
            self.accessToken = accessToken
            self.name = name
            self.humanAgentEnabled = humanAgentEnabled
        }
    }

    /// Connects or reconnects a page and requeues its `token_expired` messages in creation order.
    /// With a `subscription`, the answer's `subscription` is what to subscribe the page with (then
    /// `PageSubscription.settleInline`); the page shows both subscription fields null until then.
    ///
    /// `key` is `HERALD_TOKEN_KEY`: with it the token is stored sealed (AES-GCM), without it as UTF-8.
    public func connect(_ request: Connect, key: [UInt8]?, now: Date, on connection: PostgresConnection) throws
        -> PageConnection
    {
        let stored = try PageToken.stored(request.accessToken, key: key)
        return try connection.transaction { connection in
            try connection.query(
                """
                INSERT INTO pages AS p (id, name, access_token, token_encrypted, token_status, connected_at,
                                        human_agent_enabled, created_at, updated_at)
                VALUES ($1, $2::text, $3, $4, 'valid', $5, COALESCE($6::boolean, false), $5, $5)
                ON CONFLICT (id) DO UPDATE SET
                    name = COALESCE(EXCLUDED.name, p.name),
                    access_token = EXCLUDED.access_token,
                    token_encrypted = EXCLUDED.token_encrypted,
                    token_status = 'valid',
                    token_expired_at = NULL,
                    connected_at = COALESCE(p.connected_at, $5),
                    reconnected_at = CASE WHEN p.access_token IS NOT NULL THEN $5 ELSE p.reconnected_at END,
                    human_agent_enabled = COALESCE($6::boolean, p.human_agent_enabled),
                    updated_at = $5
                """,
                [request.pageID, request.name, stored.bytes, stored.encrypted, now, request.humanAgentEnabled])
            let requeued = try requeueTokenExpired(pageID: request.pageID, now: now, on: connection)
            try profiles.scheduleConnectedPage(request.pageID, now: now, on: connection)
            var target: PageSubscription.Target?
            if let subscription {
                try subscription.request(pageID: request.pageID, now: now, on: connection)
                target = PageSubscription.Target(
                    pageID: request.pageID, accessToken: request.accessToken, storedToken: stored.bytes)
            }
            guard let page = try page(id: request.pageID, on: connection) else {
                throw PostgresError(code: .client, message: "connected page vanished")
            }
            return PageConnection(page: page, requeued: requeued, subscription: target)
        }
    }

    /// Records the caller's own subscription call for a connection (`PageSubscription.settleInline`,
    /// in a transaction) and returns the page as it is now.
    public func settleSubscription(
        _ outcome: GraphPageSubscription.Outcome, for target: PageSubscription.Target, now: Date,
        on connection: PostgresConnection
    ) throws -> PageResource? {
        guard let subscription else { return try page(id: target.pageID, on: connection) }
        return try connection.transaction { connection in
            _ = try subscription.settleInline(outcome, for: target, now: now, on: connection)
            return try page(id: target.pageID, on: connection)
        }
    }

    /// One page as `/admin/pages` shows it, or nil.
    public func page(id: String, on connection: PostgresConnection) throws -> PageResource? {
        try pages(id: id, on: connection).first
    }

    /// Every page Herald knows (connected, or seen in webhooks only), by id.
    public func listPages(on connection: PostgresConnection) throws -> [PageResource] {
        try pages(id: nil, on: connection)
    }

    /// The page's failed `token_expired` messages become `resend` with a new send job each, in id order.
    private func requeueTokenExpired(pageID: String, now: Date, on connection: PostgresConnection) throws -> Int {
        let ids = try connection.query(
            """
            SELECT id FROM messages
            WHERE page_id = $1 AND direction = \(MessageDirection.outbound.sql) AND status = \(MessageStatus.failed.sql) AND failure_reason = \(FailureReason.tokenExpired.sql)
            ORDER BY id
            """, [pageID]
        ).map { try $0.decode(0, as: Int64.self) }
        return try outbound.requeue(messageIDs: ids, by: .system, now: now, on: connection).count
    }

    private func pages(id: String?, on connection: PostgresConnection) throws -> [PageResource] {
        let rows = try connection.query(
            """
            SELECT p.id, p.name, CASE WHEN p.access_token IS NULL THEN 'not_connected' ELSE p.token_status END,
                   p.token_encrypted, p.token_expired_at, p.connected_at, p.reconnected_at, p.last_webhook_at,
                   p.human_agent_enabled, to_jsonb(p.subscribed_fields), p.subscription_error,
                   COALESCE((SELECT jsonb_object_agg(f.failure_reason, f.n)
                             FROM (SELECT failure_reason, count(*) AS n FROM messages
                                   WHERE page_id = p.id AND status = \(MessageStatus.failed.sql) AND failure_reason IS NOT NULL
                                   GROUP BY failure_reason) f), '{}'::jsonb)
            FROM pages p
            WHERE $1::text IS NULL OR p.id = $1
            ORDER BY p.id
            """, [id])
        return try rows.map { row in
            PageResource(
                id: try row.decode(0, as: String.self), name: try row.decode(1, as: String?.self),
                tokenStatus: try row.decode(2, as: String.self), tokenEncrypted: try row.decode(3, as: Bool.self),
                expiredAt: try row.decode(4, as: Date?.self), connectedAt: try row.decode(5, as: Date?.self),
                reconnectedAt: try row.decode(6, as: Date?.self), lastWebhookAt: try row.decode(7, as: Date?.self),
                humanAgentEnabled: try row.decode(8, as: Bool.self),
                failed: try row.decode(11, as: PostgresJSON.self).decode([String: Int].self),
                subscribedFields: try row.decode(9, as: PostgresJSON?.self)?.decode([String].self),
                subscriptionError: try row.decode(10, as: String?.self))
        }
    }
}
