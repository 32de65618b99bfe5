import Foundation
import JobQueue
import Messenger
import Postgres

extension IngestStore {
    /// Deliveries move `sent` to `delivered`; reads move `sent`/`delivered` to `seen`. Statuses never
    /// move backwards, and the customer keeps the newest watermark for messages recorded later.
    func applyWatermarks(
        _ deliveries: [IngestPlan.CustomerKey: IngestPlan.Watermark],
        reads: [IngestPlan.CustomerKey: IngestPlan.Watermark], now: Date, _ connection: PostgresConnection
    ) throws {
        for (marks, status, from, column, watermarkColumn) in [
            (deliveries, MessageStatus.delivered, [MessageStatus.sent], "delivered_at", "delivered_watermark"),
            (reads, MessageStatus.seen, [MessageStatus.sent, .delivered], "seen_at", "read_watermark"),
        ] where !marks.isEmpty {
            var rows = JSONRecordSet()
            for key in marks.keys.sorted() {
                rows.beginRow()
                rows.field("page_id", key.pageID)
                rows.field("psid", key.psid)
                rows.field("watermark", marks[key]!.watermark)
                rows.field("event_at", marks[key]!.eventTime)
                rows.endRow()
            }
            let document = PostgresJSON(bytes: rows.document)
            // A read implies delivery, so a read also fills delivered_at.
            let deliveredToo =
                status == .seen ? ", delivered_at = COALESCE(m.delivered_at, to_timestamp(x.event_at / 1000.0))" : ""
            // One plan is right whatever the statistics say: each customer's messages through
            // messages_conversation. Ingest runs in bursts, and a burst outgrows the statistics
            // autovacuum last took (a new installation, a busy hour): planned from them, the join
            // ran as a scan of every sent message for every watermark (7-10 ms a batch of 1,000
            // events on a fresh database instead of under 1). The fenced LATERAL (OFFSET 0) keeps
            // the lookup per customer, and sequential scans are off for this statement only. The
            // outer WHERE repeats the conditions so a row changed meanwhile is re-checked after
            // its lock.
            try connection.execute(script: "SET LOCAL enable_seqscan = off")
            try connection.query(
                """
                UPDATE messages m SET status = \(status.sql), \(column) = COALESCE(m.\(column), to_timestamp(x.event_at / 1000.0))
                    \(deliveredToo), updated_at = $2
                FROM jsonb_to_recordset($1::jsonb) AS x(page_id text, psid text, watermark float8, event_at float8),
                     LATERAL (SELECT c.id FROM messages c
                              WHERE c.page_id = x.page_id AND c.psid = x.psid AND c.direction = \(MessageDirection.outbound.sql)
                                AND c.status IN \(from.sql) AND c.sent_at <= to_timestamp(x.watermark / 1000.0)
                              OFFSET 0) AS candidate
                WHERE m.id = candidate.id AND m.direction = \(MessageDirection.outbound.sql)
                  AND m.status IN \(from.sql) AND m.sent_at <= to_timestamp(x.watermark / 1000.0)
                """, [document, now])
            try connection.execute(script: "SET LOCAL enable_seqscan TO DEFAULT")
            try connection.query(
                """
                UPDATE customers c SET \(watermarkColumn) = GREATEST(c.\(watermarkColumn), to_timestamp(x.watermark / 1000.0))
                FROM jsonb_to_recordset($1::jsonb) AS x(page_id text, psid text, watermark float8, event_at float8)
                WHERE c.page_id = x.page_id AND c.psid = x.psid
                """, [document])
        }
    }

    /// A message recorded after a read or delivery that covers it (events arrive out of order)
    /// takes the status the customer's stored watermarks give it. A message that this batch's
    /// deliveries already moved to `delivered` still catches up with an earlier batch's read.
    func catchUpWatermarks(mids: [String], now: Date, _ connection: PostgresConnection) throws {
        guard !mids.isEmpty else { return }
        var rows = JSONRecordSet()
        for mid in mids {
            rows.beginRow()
            rows.field("mid", mid)
            rows.endRow()
        }
        let document = PostgresJSON(bytes: rows.document)
        try connection.query(
            """
            UPDATE messages m SET
                status = CASE WHEN m.sent_at <= c.read_watermark THEN \(MessageStatus.seen.sql) ELSE \(MessageStatus.delivered.sql) END,
                delivered_at = COALESCE(m.delivered_at, GREATEST(c.delivered_watermark, c.read_watermark)),
                seen_at = CASE WHEN m.sent_at <= c.read_watermark THEN COALESCE(m.seen_at, c.read_watermark) ELSE m.seen_at END,
                updated_at = $2
            FROM customers c
            WHERE c.page_id = m.page_id AND c.psid = m.psid AND m.direction = \(MessageDirection.outbound.sql)
              AND m.mid IN (SELECT x.mid FROM jsonb_to_recordset($1::jsonb) AS x(mid text))
              AND ((m.status = \(MessageStatus.sent.sql) AND (m.sent_at <= c.read_watermark OR m.sent_at <= c.delivered_watermark))
                   OR (m.status = \(MessageStatus.delivered.sql) AND m.sent_at <= c.read_watermark))
            """, [document, now])
    }

    /// An echo of Herald's own send (`herald:<id>`) for a message that has no `mid` yet: Graph
    /// sent it although Herald never got the answer (a timeout, or a worker that died before
    /// recording it). The message becomes `sent` with the echo's `mid`, so its pending retry
    /// finds nothing to send and the customer gets no duplicate. `sending` is included: after a
    /// crash the message stays `sending` until the lease rescue; a live worker whose call
    /// produced this echo records the same `mid` afterwards. A message that failed for another
    /// reason than an unanswered call, or whose page or customer differ from the echo's, is not
    /// touched. Returns the `mid`s recorded.
    func settleUnansweredSends(
        _ echoes: [Int64: IngestPlan.StoredMessage], now: Date, _ connection: PostgresConnection
    ) throws -> [String] {
        guard !echoes.isEmpty else { return [] }
        var rows = JSONRecordSet()
        for id in echoes.keys.sorted() {
            let echo = echoes[id]!
            rows.beginRow()
            rows.field("id", id)
            rows.field("page_id", echo.pageID)
            rows.field("psid", echo.psid)
            rows.field("mid", echo.mid)
            rows.field("ts", echo.timestamp)
            rows.endRow()
        }
        return try connection.query(
            """
            WITH echo AS (
                SELECT x.id, x.page_id, x.psid, x.mid, to_timestamp(x.ts / 1000.0) AS sent_at
                FROM jsonb_to_recordset($1::jsonb) AS x(id int8, page_id text, psid text, mid text, ts float8)
                WHERE NOT EXISTS (SELECT 1 FROM messages o WHERE o.mid = x.mid)),
            settled AS (
                UPDATE messages m SET status = \(MessageStatus.sent.sql), mid = e.mid, sent_at = e.sent_at, failure_reason = NULL,
                                      failure_detail = NULL, graph_code = NULL, graph_subcode = NULL, failed_at = NULL,
                                      updated_at = $2
                FROM echo e
                WHERE m.id = e.id AND m.page_id = e.page_id AND m.psid = e.psid AND m.direction = \(MessageDirection.outbound.sql)
                  AND m.mid IS NULL
                  AND (m.status IN \(MessageStatus.pending.sql)
                       OR (m.status = \(MessageStatus.failed.sql) AND m.failure_reason = \(FailureReason.graphUnavailable.sql)))
                RETURNING m.id, m.mid, m.sent_at),
            history AS (
                INSERT INTO message_attempts (message_id, attempted_at, outcome, detail)
                SELECT id, sent_at, 'sent:echo', 'Graph never answered this send, but its echo shows it was sent'
                FROM settled ORDER BY id)
            SELECT mid FROM settled
            """, [PostgresJSON(bytes: rows.document), now]
        ).map { try $0.decode(0, as: String.self) }
    }

    /// New activity clears the customer's inactivity notification.
    func clearNotifications(_ lastActive: [(IngestPlan.CustomerKey, Date)], now: Date, _ connection: PostgresConnection)
        throws
    {
        guard !lastActive.isEmpty else { return }
        try connection.query(
            """
            UPDATE notifications n SET cleared_at = $2
            FROM jsonb_to_recordset($1::jsonb) AS x(page_id text, psid text, last_at float8)
            WHERE n.cleared_at IS NULL AND n.kind = 'customer_inactive' AND n.page_id = x.page_id AND n.psid = x.psid
              AND to_timestamp(x.last_at / 1000.0) > n.raised_at - interval '24 hours'
            """, [Self.customerTimes(lastActive), now])
    }

    /// (Re)schedules each customer's inactivity check for 24 hours after their last activity.
    func scheduleInactivityChecks(
        _ lastActive: [(IngestPlan.CustomerKey, Date)], now: Date, _ connection: PostgresConnection
    ) throws {
        let jobs = lastActive.map { key, last in
            NewJob(
                kind: Self.inactivityCheck, payload: InactivityCheck.payload(key),
                runAt: last + InactivityCheck.threshold,
                maxAttempts: 5, uniqueKey: "\(key.pageID)|\(key.psid)")
        }
        try jobQueue.enqueue(jobs, now: now, on: connection)
    }

    func recordWebhookTimes(_ times: [String: Date], _ connection: PostgresConnection) throws {
        guard !times.isEmpty else { return }
        var rows = JSONRecordSet()
        for page in times.keys.sorted() {
            rows.beginRow()
            rows.field("id", page)
            rows.field("at", Int64((times[page]!.timeIntervalSince1970 * 1000).rounded()))
            rows.endRow()
        }
        // Pages already at or past the batch's time are left out before the upsert: every batch
        // of a page would otherwise wait for the previous one's commit on that page's row lock.
        try connection.query(
            """
            INSERT INTO pages AS p (id, last_webhook_at)
            SELECT id, to_timestamp(at / 1000.0) FROM jsonb_to_recordset($1::jsonb) AS x(id text, at float8)
            WHERE NOT EXISTS (SELECT 1 FROM pages o WHERE o.id = x.id AND o.last_webhook_at >= to_timestamp(x.at / 1000.0))
            ON CONFLICT (id) DO UPDATE SET last_webhook_at = GREATEST(p.last_webhook_at, EXCLUDED.last_webhook_at)
            """, [PostgresJSON(bytes: rows.document)])
    }

    static func customerTimes(_ lastActive: [(IngestPlan.CustomerKey, Date)]) -> PostgresJSON {
        var rows = JSONRecordSet()
        for (key, last) in lastActive.sorted(by: { $0.0 < $1.0 }) {
            rows.beginRow()
            rows.field("page_id", key.pageID)
            rows.field("psid", key.psid)
            rows.field("last_at", Int64((last.timeIntervalSince1970 * 1000).rounded()))
            rows.endRow()
        }
        return PostgresJSON(bytes: rows.document)
    }
}
