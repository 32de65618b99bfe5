import Foundation
import JobQueue
import Messenger
import Postgres

/// Applies an `IngestPlan` with a fixed handful of set-based statements, whatever the batch size.
///
/// Rows are fed in sorted order so that two workers touching the same customers lock them in the
/// same order and cannot deadlock.
struct IngestStore {
    let jobQueue: JobQueue
    /// With `HERALD_AUTO_RESEND_ON_REPLY`, the store that requeues window failures when the
    /// customer writes again; nil leaves them for a supporter's resend.
    let autoResend: OutboundStore?

    /// The job that raises `customer_inactive` 24 hours after a customer's last activity.
    static let inactivityCheck = JobKind("inactivity_check")

    func apply(_ plan: IngestPlan, now: Date, on connection: PostgresConnection) throws {
        let newMessages = try insertInbound(plan.inboundMessages, now: now, connection)
        let lastActive = try upsertCustomers(plan, newMessages: newMessages, now: now, connection)
        if let autoResend { try resendAfterReply(plan, store: autoResend, now: now, connection) }
        try insertForeignEchoes(plan.foreignEchoes, now: now, connection)
        let settled = try settleUnansweredSends(plan.heraldEchoes, now: now, connection)
        try applyWatermarks(plan.deliveries, reads: plan.reads, now: now, connection)
        try catchUpWatermarks(mids: plan.foreignEchoes.map(\.mid) + settled, now: now, connection)
        try clearNotifications(lastActive, now: now, connection)
        try scheduleInactivityChecks(lastActive, now: now, connection)
        try recordWebhookTimes(plan.lastWebhookAt, connection)
    }

    /// Inserts customers' messages once per `mid`; returns how many were new per customer.
    private func insertInbound(
        _ messages: [IngestPlan.StoredMessage], now: Date, _ connection: PostgresConnection
    ) throws -> [IngestPlan.CustomerKey: Int] {
        guard !messages.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            WITH inserted AS (
                INSERT INTO messages (page_id, psid, mid, direction, author, content, status, event_timestamp,
                                      created_at, updated_at)
                SELECT page_id, psid, mid, \(MessageDirection.inbound.sql), \(MessageAuthor.customer.sql), content, \(MessageStatus.received.sql), to_timestamp(ts / 1000.0), $2, $2
                FROM jsonb_to_recordset($1::jsonb) AS x(page_id text, psid text, mid text, content jsonb, ts float8)
                ON CONFLICT (mid) DO NOTHING
                RETURNING page_id, psid)
            SELECT page_id, psid, count(*) FROM inserted GROUP BY page_id, psid
            """, [Self.messageRows(messages), now])
        var counts: [IngestPlan.CustomerKey: Int] = [:]
        for row in rows {
            let key = IngestPlan.CustomerKey(
                pageID: try row.decode(0, as: String.self), psid: try row.decode(1, as: String.self))
            counts[key] = try row.decode(2, as: Int.self)
        }
        return counts
    }

    /// First/last active are min/max, the window is the latest message or postback, and the count
    /// only grows by messages that were new. Returns each customer's resulting last activity.
    private func upsertCustomers(
        _ plan: IngestPlan, newMessages: [IngestPlan.CustomerKey: Int], now: Date, _ connection: PostgresConnection
    ) throws -> [(IngestPlan.CustomerKey, Date)] {
        guard !plan.activity.isEmpty else { return [] }
        var rows = JSONRecordSet()
        for key in plan.activity.keys.sorted() {
            let activity = plan.activity[key]!
            rows.beginRow()
            rows.field("page_id", key.pageID)
            rows.field("psid", key.psid)
            rows.field("first_at", activity.firstActiveAt)
            rows.field("last_at", activity.lastActiveAt)
            rows.field("window_at", activity.lastWindowAt)
            rows.field("added", Int64(newMessages[key] ?? 0))
            rows.endRow()
        }
        let result = try connection.query(
            """
            INSERT INTO customers AS c (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages,
                                        created_at, updated_at)
            SELECT page_id, psid, to_timestamp(first_at / 1000.0), to_timestamp(last_at / 1000.0),
                   to_timestamp(window_at / 1000.0), added, $2, $2
            FROM jsonb_to_recordset($1::jsonb)
                AS x(page_id text, psid text, first_at float8, last_at float8, window_at float8, added int8)
            ON CONFLICT (page_id, psid) DO UPDATE SET
                first_active_at = LEAST(c.first_active_at, EXCLUDED.first_active_at),
                last_active_at = GREATEST(c.last_active_at, EXCLUDED.last_active_at),
                last_message_at = GREATEST(c.last_message_at, EXCLUDED.last_message_at),
                total_messages = c.total_messages + EXCLUDED.total_messages,
                updated_at = $2
            RETURNING page_id, psid, last_active_at
            """, [PostgresJSON(bytes: rows.document), now])
        return try result.map { row in
            (
                IngestPlan.CustomerKey(
                    pageID: try row.decode(0, as: String.self), psid: try row.decode(1, as: String.self)),
                try row.decode(2, as: Date.self)
            )
        }
    }

    /// Failed `outside_window` / `recipient_unavailable` messages of customers who wrote in this
    /// batch are requeued, oldest first, when `ResendPolicy` allows their resend now: the SQL only
    /// gathers the candidates and their facts (as the API's read model does), the rule is decided
    /// once, in Swift.
    private func resendAfterReply(
        _ plan: IngestPlan, store: OutboundStore, now: Date, _ connection: PostgresConnection
    ) throws {
        let writers = plan.activity.keys.sorted().filter { plan.activity[$0]!.lastWindowAt != nil }
        guard !writers.isEmpty else { return }
        var rows = JSONRecordSet()
        for key in writers {
            rows.beginRow()
            rows.field("page_id", key.pageID)
            rows.field("psid", key.psid)
            rows.endRow()
        }
        let candidates = try connection.query(
            ReadStore.messageSelect(
                from: """
                    jsonb_to_recordset($1::jsonb) AS x(page_id text, psid text)
                    JOIN messages m ON m.page_id = x.page_id AND m.psid = x.psid
                    """)
                    + """
                     WHERE m.direction = \(MessageDirection.outbound.sql) AND m.status = \(MessageStatus.failed.sql)
                       AND m.failure_reason IN (\(FailureReason.outsideWindow.sql), \(FailureReason.recipientUnavailable.sql))
                     ORDER BY m.id
                    """, [PostgresJSON(bytes: rows.document)])
        let ready = try candidates.map { try ReadStore.message($0, latestSuccessful: nil, now: now) }
            .filter { $0.failure?.resendable == true }.map(\.id)
        _ = try store.requeue(messageIDs: ready, by: .system, now: now, on: connection)
    }

    /// Another app's (or the Page inbox's) messages become `bot` messages, status `sent`.
    private func insertForeignEchoes(
        _ echoes: [IngestPlan.StoredMessage], now: Date, _ connection: PostgresConnection
    ) throws {
        guard !echoes.isEmpty else { return }
        try connection.query(
            """
            INSERT INTO messages (page_id, psid, mid, direction, author, content, status, event_timestamp, sent_at,
                                  created_at, updated_at)
            SELECT page_id, psid, mid, \(MessageDirection.outbound.sql), \(MessageAuthor.bot.sql), content, \(MessageStatus.sent.sql), to_timestamp(ts / 1000.0),
                   to_timestamp(ts / 1000.0), $2, $2
            FROM jsonb_to_recordset($1::jsonb) AS x(page_id text, psid text, mid text, content jsonb, ts float8)
            ON CONFLICT (mid) DO NOTHING
            """, [Self.messageRows(echoes), now])
    }

    private static func messageRows(_ messages: [IngestPlan.StoredMessage]) -> PostgresJSON {
        var rows = JSONRecordSet()
        for message in messages.sorted(by: { $0.mid < $1.mid }) {
            rows.beginRow()
            rows.field("page_id", message.pageID)
            rows.field("psid", message.psid)
            rows.field("mid", message.mid)
            rows.field("content", json: message.content)
            rows.field("ts", message.timestamp)
            rows.endRow()
        }
        return PostgresJSON(bytes: rows.document)
    }
}
