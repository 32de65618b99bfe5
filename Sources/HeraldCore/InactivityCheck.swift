import Foundation
import JobQueue
import Postgres

/// Raises `customer_inactive` when a customer has not interacted for 24 hours.
///
/// Scheduled by ingest at `last_active_at + 24h` (one live job per customer, moved later on new
/// activity). When it runs it re-reads the customer under a row lock, so activity committed
/// meanwhile is seen: it then reschedules instead of raising.
public struct InactivityCheck: Sendable {
    public static let kind = IngestStore.inactivityCheck
    public static let threshold = CustomerActivity.day

    let jobQueue: JobQueue

    public init(jobQueue: JobQueue) { self.jobQueue = jobQueue }

    static func payload(_ key: IngestPlan.CustomerKey) -> PostgresJSON {
        var rows = JSONRecordSet()
        rows.beginRow()
        rows.field("page_id", key.pageID)
        rows.field("psid", key.psid)
        rows.endRow()
        return PostgresJSON(bytes: Array(rows.document.dropFirst().dropLast()))
    }

    private struct Payload: Decodable {
        var pageID: String
        var psid: String

        enum CodingKeys: String, CodingKey {
            case pageID = "page_id"
            case psid
        }
    }

    /// Runs one claimed check inside the caller's transaction.
    public func run(_ job: Job, now: Date, on connection: PostgresConnection) throws -> JobOutcome {
        guard let payload = try? job.payload.decode(Payload.self) else {
            return .discard(error: "payload is not {page_id, psid}")
        }
        let rows = try connection.query(
            "SELECT last_active_at FROM customers WHERE page_id = $1 AND psid = $2 FOR UPDATE",
            [payload.pageID, payload.psid])
        guard let row = try rows.singleRow(), let lastActive = try row.decode(0, as: Date?.self) else {
            return .discard(error: "customer not found")
        }
        let due = lastActive + Self.threshold
        if due > now {
            // Active since this check was scheduled: check again at the new moment.
            try jobQueue.enqueue(
                [
                    NewJob(
                        kind: Self.kind, payload: job.payload, runAt: due, maxAttempts: job.maxAttempts,
                        uniqueKey: job.uniqueKey)
                ],
                now: now, on: connection)
            return .completed
        }
        try connection.query(
            """
            INSERT INTO notifications (kind, page_id, psid, raised_at) VALUES ('customer_inactive', $1, $2, $3)
            ON CONFLICT (kind, page_id, psid) WHERE cleared_at IS NULL DO NOTHING
            """, [payload.pageID, payload.psid, now])
        return .completed
    }
}
