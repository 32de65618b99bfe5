import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Workers

/// A runner under the runner contract (`RunnerContractTests`): the job engine (`JobWorkerPool`,
/// as `JobService` runs it) or the ingest runner (`IngestWorker` over `webhook_events`). Units are
/// jobs or stored webhooks; a "process" is one runner with connections and a listener of its own.
protocol RunnerHarness: Sendable {
    /// The state a unit that ran ends in (`completed`, `processed`).
    var doneState: String { get }
    /// The state a unit that can never succeed ends in, error kept (`discarded`, `parked`).
    var deadState: String { get }
    /// Queues `count` units that succeed, announced with the runner's NOTIFY.
    func enqueueSucceeding(_ count: Int, on connection: PostgresConnection) throws
    /// Queues a unit that fails for now every time, and one refused for good; their ids.
    func enqueueFailing(on connection: PostgresConnection) throws -> (transient: Int64, permanent: Int64)
    /// One runner "process": services on connections of their own, and its wake-up listener.
    func process(_ schema: TestSchema, pollInterval: Duration, logger: Logger) -> RunnerProcess
    /// How many times each unit that succeeded was run.
    func runs(on connection: PostgresConnection) throws -> [Int64: Int]
    /// Every unit: state, attempts, last error.
    func units(on connection: PostgresConnection) throws -> [Int64: (state: String, attempts: Int, error: String?)]
}

/// A running runner's services, its listener, and what to close once they stopped.
struct RunnerProcess: Sendable {
    var services: [any Service]
    var wakeUps: WakeUpListener
    var close: @Sendable () -> Void = {}
}

/// Which runner a parameterised contract test runs against.
enum ContractRunner: String, CaseIterable, Sendable, CustomStringConvertible {
    case jobEngine = "job engine"
    case ingest = "ingest runner"

    var description: String { rawValue }

    var harness: any RunnerHarness {
        switch self {
        case .jobEngine: EngineHarness()
        case .ingest: IngestHarness()
        }
    }
}

/// The job engine: jobs of `contractKind`; a run is a row in `contract_runs`.
struct EngineHarness: RunnerHarness {
    static let kind = JobKind("contract_job")
    let doneState = "completed"
    let deadState = "discarded"

    func enqueueSucceeding(_ count: Int, on connection: PostgresConnection) throws {
        try Self.prepare(connection)
        try JobQueue().enqueue((0..<count).map { _ in NewJob(kind: Self.kind) }, now: Date(), on: connection)
    }

    func enqueueFailing(on connection: PostgresConnection) throws -> (transient: Int64, permanent: Int64) {
        try Self.prepare(connection)
        try JobQueue().enqueue(
            [
                NewJob(kind: Self.kind, payload: PostgresJSON(#"{"fail":"transient"}"#), maxAttempts: 3),
                NewJob(kind: Self.kind, payload: PostgresJSON(#"{"fail":"permanent"}"#), maxAttempts: 3),
            ], now: Date(), on: connection)
        let ids = try connection.query("SELECT id FROM jobs WHERE payload ? 'fail' ORDER BY id").map {
            try $0.decode(0, as: Int64.self)
        }
        return (ids[0], ids[1])
    }

    func process(_ schema: TestSchema, pollInterval: Duration, logger: Logger) -> RunnerProcess {
        let jobQueue = JobQueue()
        let service = JobService(
            database: schema.configuration, jobQueue: jobQueue,
            configuration: .init(kinds: [], threads: 2, batchSize: 5, pollInterval: pollInterval),
            handlers: [Self.kind: Self.handle], clock: SystemClock(), logger: logger)
        let wakeUps = WakeUpListener(
            configuration: schema.configuration, routes: [jobQueue.notifyChannel: [{ service.wake() }]], logger: logger)
        return RunnerProcess(services: [wakeUps, service], wakeUps: wakeUps)
    }

    /// Succeeds (noting the run), fails for now, or refuses for good, as the payload says.
    @Sendable static func handle(_ job: Job, _ connection: PostgresConnection) throws -> JobOutcome {
        switch (try? job.payload.decode([String: String].self))?["fail"] {
        case "transient": return .retry(at: Date(), error: "failed for now on attempt \(job.attempts)")
        case "permanent": return .discard(error: "refused for good")
        default:
            try connection.query("INSERT INTO contract_runs (unit) VALUES ($1)", [job.id])
            return .completed
        }
    }

    func runs(on connection: PostgresConnection) throws -> [Int64: Int] {
        var runs: [Int64: Int] = [:]
        for row in try connection.query("SELECT unit, count(*) FROM contract_runs GROUP BY unit") {
            runs[try row.decode(0, as: Int64.self)] = try row.decode(1, as: Int.self)
        }
        return runs
    }

    func units(on connection: PostgresConnection) throws -> [Int64: (state: String, attempts: Int, error: String?)] {
        var units: [Int64: (state: String, attempts: Int, error: String?)] = [:]
        for row in try connection.query("SELECT id, state, attempts, last_error FROM jobs") {
            units[try row.decode(0, as: Int64.self)] = (
                try row.decode(1, as: String.self), try row.decode(2, as: Int.self), try row.decode(3, as: String?.self)
            )
        }
        return units
    }

    private static func prepare(_ connection: PostgresConnection) throws {
        try connection.execute(script: "CREATE TABLE IF NOT EXISTS contract_runs (unit int8 NOT NULL)")
    }
}

/// The ingest runner: stored webhooks; a run is one processing pass (`attempts` counts them).
struct IngestHarness: RunnerHarness {
    let doneState = "processed"
    let deadState = "parked"

    func enqueueSucceeding(_ count: Int, on connection: PostgresConnection) throws {
        // A customer each: events of one customer in two concurrent batches would wait on each
        // other's row locks, which is ingest's business, not the contract's.
        try connection.transaction { connection in
            for _ in 0..<count {
                let id = UUID().uuidString.prefix(12)
                let body = WebhookBuilder.body([WebhookBuilder.message("c-\(id)", mid: "m-\(id)", at: Date())])
                try connection.query("INSERT INTO webhook_events (body) VALUES ($1)", [body])
            }
            try connection.notify(channel: WebhookEventStore.notifyChannel, payload: "")
        }
    }

    /// A body the database refuses (a trigger in this test's schema: an unforeseen database
    /// error, retried with backoff) and one that is not JSON (parked at once).
    func enqueueFailing(on connection: PostgresConnection) throws -> (transient: Int64, permanent: Int64) {
        try PoisonMessage.install(on: connection)
        let poison = WebhookBuilder.body([WebhookBuilder.message("p", mid: PoisonMessage.mid, at: Date())])
        return try connection.transaction { connection in
            let ids = try [poison, Array("definitely not json".utf8)].map { body in
                try connection.query("INSERT INTO webhook_events (body) VALUES ($1) RETURNING id", [body])[0]
                    .decode(0, as: Int64.self)
            }
            try connection.notify(channel: WebhookEventStore.notifyChannel, payload: "")
            return (ids[0], ids[1])
        }
    }

    func process(_ schema: TestSchema, pollInterval: Duration, logger: Logger) -> RunnerProcess {
        let pool = schema.makePool(maxConnections: 2)
        let ingest = IngestWorker(
            pool: pool, ingestor: WebhookIngestor(configuration: .init(batchSize: 20, maxAttempts: 3, retryBase: 0.01)),
            clock: SystemClock(), configuration: .init(pollInterval: pollInterval), logger: logger)
        let wakeUps = WakeUpListener(
            configuration: schema.configuration, routes: [WebhookEventStore.notifyChannel: [{ ingest.wake() }]],
            logger: logger)
        return RunnerProcess(services: [wakeUps, ingest], wakeUps: wakeUps, close: { pool.close() })
    }

    func runs(on connection: PostgresConnection) throws -> [Int64: Int] {
        try units(on: connection).filter { $0.value.state == doneState }.mapValues(\.attempts)
    }

    func units(on connection: PostgresConnection) throws -> [Int64: (state: String, attempts: Int, error: String?)] {
        var units: [Int64: (state: String, attempts: Int, error: String?)] = [:]
        for row in try connection.query("SELECT id, state, attempts, last_error FROM webhook_events") {
            units[try row.decode(0, as: Int64.self)] = (
                try row.decode(1, as: String.self), try row.decode(2, as: Int.self), try row.decode(3, as: String?.self)
            )
        }
        return units
    }
}
