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
    public struct Configuration: Sendable {
        /// Events claimed per transaction. Default: 1,000 (each statement's fixed cost, planning
        /// included, spread over more events; docs/benchmarks.md, "Event ingest").
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

        public init(
            batchSize: Int = 1000, maxAttempts: Int = 5, retryBase: TimeInterval = 5, heraldAppID: String? = nil
        ) {
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

    public let configuration: Configuration
    private let store: IngestStore

    /// `autoResend` is `HERALD_AUTO_RESEND_ON_REPLY`: the store that requeues a customer's
    /// window failures once they write again. Nil (the default) leaves those to a supporter.
    public init(
        configuration: Configuration = Configuration(), jobQueue: JobQueue = JobQueue(),
        autoResend: OutboundStore? = nil
    ) {
        self.configuration = configuration
        self.store = IngestStore(jobQueue: jobQueue, autoResend: autoResend)
    }

    /// Claims and applies one batch; `claimed == 0` means there was nothing due.
    public func ingestBatch(now: Date, on connection: PostgresConnection) throws -> Outcome {
        try connection.execute(script: "BEGIN")
        do {
            let claimed = try claimAndMarkProcessed(limit: configuration.batchSize, now: now, connection)
            var decoded = claimed.map {
                StoredEvent(id: $0.id, attempts: $0.attempts, receivedAt: $0.receivedAt, body: $0.body)
            }
            for index in decoded.indices { decoded[index].decode() }
            var outcome = Outcome()
            outcome.events = decoded.compactMap(\.envelope).reduce(0) { $0 + $1.events.count }
            try apply(plan(decoded), now: now, connection)
            try markExceptions(decoded, connection)
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
        for _ in 0..<configuration.batchSize {
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
                let parked = try recordFailure(
                    id: failed.id, attempts: failed.attempts, error: failed.error, now: now, connection)
                if parked { outcome.parked += 1 } else { outcome.retried += 1 }
            }
        }
        return outcome
    }

    private func plan(_ events: [StoredEvent]) -> IngestPlan {
        var plan = IngestPlan()
        for event in events where event.parkReason == nil {
            plan.add(event.envelope!, receivedAt: event.receivedAt, heraldAppID: configuration.heraldAppID)
        }
        return plan
    }

    /// Applies a batch's plan, then schedules the profiles of the customers who acted in it: one
    /// statement per batch, inside its transaction (ingest never waits for Graph).
    private func apply(_ plan: IngestPlan, now: Date, _ connection: PostgresConnection) throws {
        try store.apply(plan, now: now, on: connection)
        try configuration.profileRefresh.schedule(
            customers: plan.activity.keys.sorted().map { (pageID: $0.pageID, psid: $0.psid) }, now: now, on: connection)
    }

    /// The marks name each row by its whole primary key (id, received_at): with the day partitions
    /// of migration 0012, received_at sends each lookup to its one partition instead of probing
    /// every partition's key for the id (about 0.1 ms per row with 40 partitions).
    private func applyAndMark(_ events: [StoredEvent], now: Date, _ connection: PostgresConnection) throws {
        try apply(plan(events), now: now, connection)
        var rows = JSONRecordSet()
        for event in events {
            rows.beginRow()
            rows.field("id", event.id)
            rows.field("received_us", event.receivedAt.postgresMicroseconds)
            rows.field("state", event.parkReason == nil ? "processed" : "parked")
            rows.field("note", event.parkReason ?? event.notes)
            rows.endRow()
        }
        try connection.query(
            prepared: "herald_webhook_mark",
            """
            UPDATE webhook_events e SET state = x.state, processed_at = $2, attempts = e.attempts + 1, last_error = x.note
            FROM jsonb_to_recordset($1::jsonb) AS x(id int8, received_us int8, state text, note text)
            WHERE e.id = x.id AND e.received_at = timestamptz '2000-01-01 00:00:00+00' + x.received_us * interval '1 microsecond'
            """, [PostgresJSON(bytes: rows.document), now])
    }

    /// Claims a batch and marks it processed in one statement (one pass over the rows instead of a
    /// claim and an update). Safe because the marks commit with the batch's effects or not at all:
    /// a failed batch rolls back to pending. Returns the attempts before this one, oldest first.
    private func claimAndMarkProcessed(
        limit: Int, now: Date, _ connection: PostgresConnection
    ) throws -> [(id: Int64, attempts: Int, receivedAt: Date, body: [UInt8])] {
        try connection.query(
            prepared: "herald_webhook_claim_and_mark",
            """
            UPDATE webhook_events e SET state = \(WebhookEventState.processed.sql), processed_at = $2, attempts = e.attempts + 1,
                                        last_error = NULL
            WHERE (e.id, e.received_at) IN (SELECT id, received_at FROM webhook_events
                           WHERE state = \(WebhookEventState.pending.sql) AND next_attempt_at <= GREATEST($2, now())
                           ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING e.id, e.attempts - 1, e.received_at, e.body
            """, [limit, now]
        ).map { row in
            (
                try row.decode(0, as: Int64.self), try row.decode(1, as: Int.self), try row.decode(2, as: Date.self),
                try row.decode(3, as: [UInt8].self)
            )
        }.sorted { $0.id < $1.id }
    }

    /// After `claimAndMarkProcessed`: parks what could not be read and keeps notes on the rest.
    private func markExceptions(_ events: [StoredEvent], _ connection: PostgresConnection) throws {
        var rows = JSONRecordSet()
        for event in events where event.parkReason != nil || event.notes != nil {
            rows.beginRow()
            rows.field("id", event.id)
            rows.field("received_us", event.receivedAt.postgresMicroseconds)
            rows.field(
                "state",
                event.parkReason == nil ? WebhookEventState.processed.rawValue : WebhookEventState.parked.rawValue)
            rows.field("note", event.parkReason ?? event.notes)
            rows.endRow()
        }
        guard rows.count > 0 else { return }
        try connection.query(
            prepared: "herald_webhook_mark_exceptions",
            """
            UPDATE webhook_events e SET state = x.state, last_error = x.note
            FROM jsonb_to_recordset($1::jsonb) AS x(id int8, received_us int8, state text, note text)
            WHERE e.id = x.id AND e.received_at = timestamptz '2000-01-01 00:00:00+00' + x.received_us * interval '1 microsecond'
            """, [rows.json])
    }

    /// Rows are stamped by the gateway with the database's clock, backoff with Herald's: a row is
    /// due when either says so, so clock skew between hosts never strands events.
    ///
    /// Due order is the order of the partial index `webhook_events_pending (next_attempt_at, id)`,
    /// which therefore reads only pending rows. `ORDER BY id` made the planner walk the primary
    /// key from the oldest row, past every processed one: 60 ms a claim half-way through a
    /// 100,000-event backlog (docs/benchmarks.md, "Event ingest profile").
    ///
    /// Prepared, like the marks: planning it over every day partition of migration 0012 (about 40
    /// with a 30-day retention) cost about as much as running it (docs/benchmarks.md,
    /// "Partitioned webhook log").
    private func claim(limit: Int, now: Date, _ connection: PostgresConnection) throws -> [(
        id: Int64, attempts: Int, receivedAt: Date, body: [UInt8]
    )] {
        try connection.query(
            prepared: "herald_webhook_claim",
            """
            SELECT id, attempts, received_at, body FROM webhook_events
            WHERE state = \(WebhookEventState.pending.sql) AND next_attempt_at <= GREATEST($2, now())
            ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
            """, [limit, now]
        ).map { row in
            (
                try row.decode(0, as: Int64.self), try row.decode(1, as: Int.self), try row.decode(2, as: Date.self),
                try row.decode(3, as: [UInt8].self)
            )
        }
    }

    /// Counts a failed attempt; parks the event after `maxAttempts`. Returns true when parked.
    private func recordFailure(id: Int64, attempts: Int, error: String, now: Date, _ connection: PostgresConnection)
        throws -> Bool
    {
        let attempt = attempts + 1
        let park = attempt >= configuration.maxAttempts
        // The job engine's backoff (base × 4^(n−1) ± 20 %, capped at an hour), shared by every runner.
        let delay = JobQueue.backoff(attempt: attempt, base: .seconds(configuration.retryBase)).timeInterval
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
