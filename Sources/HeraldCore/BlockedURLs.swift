import Foundation
import Messenger
import Postgres

/// docs/design.md's blocked-URL rule: every URL of a message Graph refused as blocked is recorded; a
/// message is requeued once all of its blocked URLs are released — by an admin, or by a probe
/// that resends the oldest such message and releases its URLs when it goes through.
public struct BlockedURLs: Sendable {
    public let outbound: OutboundStore
    /// Wait before a URL's first probe, doubled after each probe that finds it still blocked.
    public let probeInterval: TimeInterval
    /// The longest wait between probes. Default: a day.
    public let maxProbeInterval: TimeInterval

    public init(
        outbound: OutboundStore = OutboundStore(), probeInterval: TimeInterval = 900,
        maxProbeInterval: TimeInterval = 86_400
    ) {
        self.outbound = outbound
        self.probeInterval = probeInterval
        self.maxProbeInterval = max(probeInterval, maxProbeInterval)
    }

    /// Records `urls` as blocked for the message. A URL blocked again after its release is blocked
    /// anew, with a fresh probe schedule; one still blocked keeps its schedule.
    public func block(_ urls: [String], messageID: Int64, now: Date, on connection: PostgresConnection) throws {
        guard !urls.isEmpty else { return }
        var rows = JSONRecordSet()
        for url in Set(urls).sorted() {
            rows.beginRow()
            rows.field("url", url)
            rows.endRow()
        }
        try connection.query(
            """
            INSERT INTO blocked_urls AS b (url, blocked_at, next_probe_at, probe_attempts)
            SELECT url, $2, $3, 0 FROM jsonb_to_recordset($1::jsonb) AS x(url text)
            ON CONFLICT (url) DO UPDATE SET
                blocked_at = CASE WHEN b.released_at IS NULL THEN b.blocked_at ELSE EXCLUDED.blocked_at END,
                next_probe_at = CASE WHEN b.released_at IS NULL THEN COALESCE(b.next_probe_at, EXCLUDED.next_probe_at)
                                     ELSE EXCLUDED.next_probe_at END,
                probe_attempts = CASE WHEN b.released_at IS NULL THEN b.probe_attempts ELSE 0 END,
                released_at = NULL
            """, [rows.json, now, now.addingTimeInterval(probeInterval)])
        try connection.query(
            """
            INSERT INTO message_blocked_urls (message_id, url)
            SELECT $2, url FROM jsonb_to_recordset($1::jsonb) AS x(url text) ON CONFLICT DO NOTHING
            """, [rows.json, messageID])
    }

    /// Every recorded URL, still blocked ones first, newest block first.
    public func list(on connection: PostgresConnection) throws -> [BlockedURLResource] {
        try resources(url: nil, on: connection)
    }

    /// What an admin's release did.
    public struct Release: Sendable, Hashable, Encodable {
        public var blockedURL: BlockedURLResource
        /// Messages requeued because every URL they were held back by is now released.
        public var requeued: Int

        enum CodingKeys: String, CodingKey {
            case blockedURL = "blocked_url"
            case requeued
        }
    }

    /// Releases `url` and requeues the `url_blacklisted` messages it held back whose blocked URLs
    /// are now all released, oldest first. Nil when the URL was never blocked. Releasing twice
    /// requeues nothing more. Run it in a transaction.
    public func release(_ url: String, now: Date, on connection: PostgresConnection) throws -> Release? {
        let released = try connection.query(
            "UPDATE blocked_urls SET released_at = COALESCE(released_at, $2), next_probe_at = NULL WHERE url = $1 RETURNING url",
            [url, now])
        guard !released.isEmpty else { return nil }
        let requeued = try requeueReady(heldBy: [url], now: now, on: connection)
        guard let resource = try resources(url: url, on: connection).first else { return nil }
        return Release(blockedURL: resource, requeued: requeued)
    }

    /// A message went through: its URLs are not blocked (any more). Releases those still marked
    /// blocked and requeues the other messages that were waiting only for them.
    public func messageSent(_ messageID: Int64, now: Date, on connection: PostgresConnection) throws {
        let released = try connection.query(
            """
            UPDATE blocked_urls SET released_at = $2, next_probe_at = NULL
            WHERE released_at IS NULL AND url IN (SELECT url FROM message_blocked_urls WHERE message_id = $1)
            RETURNING url
            """, [messageID, now]
        ).map { try $0.decode(0, as: String.self) }
        _ = try requeueReady(heldBy: released, now: now, on: connection)
    }

    /// Probes the URLs whose probe is due: the oldest message each one holds back is requeued (a
    /// real new attempt), and the URL's next probe waits twice as long as the last, up to
    /// `maxProbeInterval`. A URL that holds back no failed message gets no probe until it blocks
    /// one again. Returns how many messages were requeued. Run it in a transaction.
    public func probeDue(now: Date, limit: Int = 100, on connection: PostgresConnection) throws -> Int {
        let due = try connection.query(
            """
            SELECT b.url, b.probe_attempts,
                   (SELECT m.id FROM message_blocked_urls mb JOIN messages m ON m.id = mb.message_id
                    WHERE mb.url = b.url AND m.status = \(MessageStatus.failed.sql) AND m.failure_reason = \(FailureReason.urlBlacklisted.sql)
                    ORDER BY m.id LIMIT 1)
            FROM blocked_urls b
            WHERE b.released_at IS NULL AND b.next_probe_at <= $1
            ORDER BY b.next_probe_at
            LIMIT $2
            FOR UPDATE OF b SKIP LOCKED
            """, [now, limit])
        var oldest: [Int64] = []
        for row in due {
            let url = try row.decode(0, as: String.self)
            let attempts = try row.decode(1, as: Int.self)
            let message = try row.decode(2, as: Int64?.self)
            if let message { oldest.append(message) }
            let wait = min(probeInterval * pow(2, Double(min(attempts + 1, 30))), maxProbeInterval)
            try connection.query(
                "UPDATE blocked_urls SET probe_attempts = probe_attempts + 1, next_probe_at = $2 WHERE url = $1",
                [url, message == nil ? nil : now.addingTimeInterval(wait)])
        }
        return try outbound.requeue(messageIDs: Array(Set(oldest)), by: .system, now: now, on: connection).count
    }

    /// Failed `url_blacklisted` messages linked to any of `urls` whose every blocked URL is released.
    private func requeueReady(heldBy urls: [String], now: Date, on connection: PostgresConnection) throws -> Int {
        guard !urls.isEmpty else { return 0 }
        let ready = try connection.query(
            """
            SELECT DISTINCT m.id FROM message_blocked_urls mb JOIN messages m ON m.id = mb.message_id
            WHERE mb.url = ANY($1::text[]) AND m.status = \(MessageStatus.failed.sql) AND m.failure_reason = \(FailureReason.urlBlacklisted.sql)
              AND NOT EXISTS (SELECT 1 FROM message_blocked_urls other JOIN blocked_urls b ON b.url = other.url
                              WHERE other.message_id = m.id AND b.released_at IS NULL)
            """, [PostgresArrayLiteral.text(urls)]
        ).map { try $0.decode(0, as: Int64.self) }
        return try outbound.requeue(messageIDs: ready, by: .system, now: now, on: connection).count
    }

    private func resources(url: String?, on connection: PostgresConnection) throws -> [BlockedURLResource] {
        let rows = try connection.query(
            """
            SELECT b.url, b.blocked_at, b.released_at, b.next_probe_at, b.probe_attempts,
                   count(m.id) FILTER (WHERE m.status = \(MessageStatus.failed.sql) AND m.failure_reason = \(FailureReason.urlBlacklisted.sql)),
                   count(m.id)
            FROM blocked_urls b
            LEFT JOIN message_blocked_urls mb ON mb.url = b.url
            LEFT JOIN messages m ON m.id = mb.message_id
            WHERE $1::text IS NULL OR b.url = $1
            GROUP BY b.url
            ORDER BY b.released_at IS NOT NULL, b.blocked_at DESC, b.url
            """, [url])
        return try rows.map { row in
            BlockedURLResource(
                url: try row.decode(0, as: String.self), blockedAt: try row.decode(1, as: Date.self),
                releasedAt: try row.decode(2, as: Date?.self), nextProbeAt: try row.decode(3, as: Date?.self),
                probeAttempts: try row.decode(4, as: Int.self), messagesWaiting: try row.decode(5, as: Int.self),
                messagesTotal: try row.decode(6, as: Int.self))
        }
    }
}

/// A blocked URL as `/admin/blocked-urls` answers it.
public struct BlockedURLResource: Sendable, Hashable, Encodable {
    public var url: String
    public var blockedAt: Date
    public var releasedAt: Date?
    public var nextProbeAt: Date?
    public var probeAttempts: Int
    /// Failed `url_blacklisted` messages it holds back now.
    public var messagesWaiting: Int
    /// Messages it was ever recorded for.
    public var messagesTotal: Int

    /// `blocked` or `released`.
    public var state: String { releasedAt == nil ? "blocked" : "released" }

    enum CodingKeys: String, CodingKey {
        case url, state
        case blockedAt = "blocked_at"
        case releasedAt = "released_at"
        case nextProbeAt = "next_probe_at"
        case probeAttempts = "probe_attempts"
        case messagesWaiting = "messages_waiting"
        case messagesTotal = "messages_total"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode(state, forKey: .state)
        try container.encodeTime(blockedAt, forKey: .blockedAt)
        try container.encodeTime(releasedAt, forKey: .releasedAt)
        try container.encodeTime(nextProbeAt, forKey: .nextProbeAt)
        try container.encode(probeAttempts, forKey: .probeAttempts)
        try container.encode(messagesWaiting, forKey: .messagesWaiting)
        try container.encode(messagesTotal, forKey: .messagesTotal)
    }
}
