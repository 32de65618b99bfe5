import Foundation
import JobQueue
import Messenger
import Postgres

/// Turns stored webhook bodies into customers, messages, statuses and notifications.
///
/// A batch is claimed with `FOR UPDATE SKIP LOCKED` (so several workers, in several processes,
/// never take the same event), applied in one transaction, and marked processed in it. If the
/// batch fails as a whole, each event is retried alone, so one poison event is retried with
/// backoff and finally parked with its error while the others go through.
public struct WebhookIngestor: Sendable {
    /// Ingest settings.
    public struct Options: Sendable {
        /// Events claimed per transaction. Default: 200.
        public var batchSize: Int
        /// Attempts before a failing event is parked. Default: 5.
        public var maxAttempts: Int
        /// Backoff base: retry n waits base × 4^(n−1). Default: 5 s.
        public var retryBase: TimeInterval
        /// Herald's own Facebook app id, when known: echoes from it are Herald's sends.
        public var heraldAppID: String?
        /// Schedules `fetch_profile` jobs for the customers a batch touched (first sight, stale
        /// profile). Default: 7-day refresh.
        public var profileRefresh = ProfileRefresh()

        public init(batchSize: Int = 200, maxAttempts: Int = 5, retryBase: TimeInterval = 5, heraldAppID: String? = nil) {
            self.batchSize = batchSize
            self.maxAttempts = maxAttempts
            self.retryBase = retryBase
            self.heraldAppID = heraldAppID
        }
    }

    /// What one call did.
    public struct Outcome: Sendable, Equatable {
        public var processed = 0
        public var parked = 0
        public var retried = 0
        public var events = 0
        public var claimed: Int { processed + parked + retried }
        public init() {}
    }

    public let options: Options
    private let store: IngestStore

    /// `autoResend` is `HERALD_AUTO_RESEND_ON_REPLY`: the store that requeues a customer's
    /// window failures once they write again. Nil (the default) leaves those to a supporter.
    public init(options: Options = Options(), jobQueue: JobQueue = JobQueue(), autoResend: OutboundStore? = nil) {
        self.options = options
        self.store = IngestStore(jobQueue: jobQueue, autoResend: autoResend)
    }

    /// Claims and applies one batch; `claimed == 0` means there was nothing due.
    public func ingestBatch(now: Date, on connection: PostgresConnection) throws -> Outcome {
        try connection.execute(script: "BEGIN")
        do {
            let claimed = try claim(limit: options.batchSize, now: now, connection)
            var decoded = claimed.map { StoredEvent(id: $0.id, attempts: $0.attempts, receivedAt: $0.receivedAt, body: $0.body) }
            for index in decoded.indices { decoded[index].decode() }
            var outcome = Outcome()
            outcome.events = decoded.compactMap(\.envelope).reduce(0) { $0 + $1.events.count }
            try applyAndMark(decoded, now: now, connection)
            try connection.execute(script: "COMMIT")
            outcome.processed = decoded.filter { $0.parkReason == nil }.count
            outcome.parked = decoded.count - outcome.processed
            return outcome
        } catch {
            try? connection.execute(script: "ROLLBACK")
            if let postgresError = error as? PostgresError, postgresError.isConnectionError { throw error }
            return try ingestOneByOne(now: now, connection)
        }
    }

    /// After a batch failed: each event in its own transaction, recording failures per event.
    private func ingestOneByOne(now: Date, _ connection: PostgresConnection) throws -> Outcome {
        var outcome = Outcome()
        for _ in 0..<options.batchSize {
            var failed: (id: Int64, attempts: Int, error: String)?
            let claimedOne = try connection.transaction { connection -> Bool in
                guard let row = try claim(limit: 1, now: now, connection).first else { return false }
                var event = StoredEvent(id: row.id, attempts: row.attempts, receivedAt: row.receivedAt, body: row.body)
                event.decode()
                do {
                    try connection.execute(script: "SAVEPOINT event")
                    try applyAndMark([event], now: now, connection)
                    outcome.events += event.envelope?.events.count ?? 0
                    if event.parkReason == nil { outcome.processed += 1 } else { outcome.parked += 1 }
                } catch {
                    try connection.execute(script: "ROLLBACK TO SAVEPOINT event")
                    failed = (event.id, event.attempts, Self.describe(error))
                }
                return true
            }
            guard claimedOne else { break }
            if let failed {
                let parked = try recordFailure(id: failed.id, attempts: failed.attempts, error: failed.error, now: now, connection)
                if parked { outcome.parked += 1 } else { outcome.retried += 1 }
            }
        }
        return outcome
    }

    private func applyAndMark(_ events: [StoredEvent], now: Date, _ connection: PostgresConnection) throws {
        var plan = IngestPlan()
        for event in events where event.parkReason == nil {
            plan.add(event.envelope!, receivedAt: event.receivedAt, heraldAppID: options.heraldAppID)
        }
        try store.apply(plan, now: now, on: connection)
        // Customer profiles: one statement per batch, inside its transaction; ingest never waits for Graph.
        try options.profileRefresh.schedule(
            customers: plan.activity.keys.map { (pageID: $0.pageID, psid: $0.psid) }, now: now, on: connection)
        var rows = JSONRecordSet()
        for event in events {
            rows.beginRow()
            rows.field("id", event.id)
            rows.field("state", event.parkReason == nil ? "processed" : "parked")
            rows.field("note", event.parkReason ?? event.notes)
            rows.endRow()
        }
        try connection.query(
            """
            UPDATE webhook_events e SET state = x.state, processed_at = $2, attempts = e.attempts + 1, last_error = x.note
            FROM jsonb_to_recordset($1::jsonb) AS x(id int8, state text, note text) WHERE e.id = x.id
            """, [PostgresJSON(bytes: rows.document), now])
    }

    /// Rows are stamped by the gateway with the database's clock, backoff with Herald's: a row is
    /// due when either says so, so clock skew between hosts never strands events.
    private func claim(limit: Int, now: Date, _ connection: PostgresConnection) throws -> [(id: Int64, attempts: Int, receivedAt: Date, body: [UInt8])] {
        try connection.query(
            """
            SELECT id, attempts, received_at, body FROM webhook_events
            WHERE state = 'pending' AND next_attempt_at <= GREATEST($2, now())
            ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
            """, [limit, now]
        ).map { row in
            (try row.decode(0, as: Int64.self), try row.decode(1, as: Int.self), try row.decode(2, as: Date.self),
             try row.decode(3, as: [UInt8].self))
        }
    }

    /// Counts a failed attempt; parks the event after `maxAttempts`. Returns true when parked.
    private func recordFailure(id: Int64, attempts: Int, error: String, now: Date, _ connection: PostgresConnection) throws -> Bool {
        let attempt = attempts + 1
        let park = attempt >= options.maxAttempts
        // The job engine's backoff (base × 4^(n−1) ± 20 %, capped at an hour), shared by every runner.
        let delay = JobQueue.backoff(attempt: attempt, base: .seconds(options.retryBase)).timeInterval
        try connection.query(
            """
            UPDATE webhook_events SET attempts = $2, last_error = $3, state = $4, next_attempt_at = $5,
                                      processed_at = CASE WHEN $4 = 'parked' THEN $6 ELSE processed_at END
            WHERE id = $1
            """, [id, attempt, error, park ? "parked" : "pending", now + delay, now])
        return park
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresError {
            return "\(error.code) \(error.sqlState?.rawValue ?? ""): \(error.message)"
        }
        return String(describing: error)
    }
}

/// A claimed webhook body and what decoding it gave.
struct StoredEvent {
    let id: Int64
    let attempts: Int
    let receivedAt: Date
    let body: [UInt8]
    var envelope: WebhookEnvelope?
    /// Why the body will never be processed (not JSON, not a page webhook).
    var parkReason: String?

    init(id: Int64, attempts: Int, receivedAt: Date, body: [UInt8]) {
        self.id = id
        self.attempts = attempts
        self.receivedAt = receivedAt
        self.body = body
    }

    /// Problems and ignored kinds, kept on the row for operators.
    var notes: String? {
        guard let envelope, !envelope.problems.isEmpty else { return nil }
        return envelope.problems.prefix(20).joined(separator: "; ")
    }

    mutating func decode() {
        do {
            let envelope = try WebhookEnvelope.decode(body)
            guard envelope.isPage else {
                parkReason = "object is \"\(envelope.object)\", not \"page\": stored, not processed"
                return
            }
            self.envelope = envelope
        } catch {
            parkReason = "unreadable body: \(error.reason)"
        }
    }
}
