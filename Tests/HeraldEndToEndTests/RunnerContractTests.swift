import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

/// What every runner of Herald's background work promises, checked against each runner it
/// applies to: the job engine (`JobWorkerPool`, as `JobService` runs it, with `LeaseRescuer`)
/// and, where the property is one of ingest's, the ingest runner (`IngestWorker`).
///
/// Key order and leases are the engine's alone: stored webhooks have no ordering key, and an
/// ingest claim lives in the transaction that applies it, so a dead worker's claim ends with its
/// connection instead of a lease.
@Suite("Runner contract")
struct RunnerContractTests {
    static func logger() -> Logger {
        var logger = Logger(label: "herald.tests.contract")
        logger.logLevel = .warning
        return logger
    }

    /// Runs `processes` runner processes of `harness` on `schema` while `body` runs.
    static func withProcesses(
        _ harness: any RunnerHarness, _ schema: TestSchema, count: Int = 1, pollInterval: Duration = .milliseconds(50),
        _ body: () async throws -> Void
    ) async throws {
        let logger = logger()
        let processes = (0..<count).map { _ in harness.process(schema, pollInterval: pollInterval, logger: logger) }
        defer { processes.forEach { $0.close() } }
        try await withRunningServices(processes.flatMap(\.services), logger: logger) {
            for process in processes { await process.wakeUps.waitUntilListening() }
            try await body()
        }
    }

    @Test("exactly once across two processes: every unit runs once, none is lost", arguments: ContractRunner.allCases)
    func exactlyOnce(_ runner: ContractRunner) async throws {
        let harness = runner.harness
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try await Self.withProcesses(harness, schema, count: 2) {
                try harness.enqueueSucceeding(300, on: connection)
                try await waitUntil("every unit done", timeout: .seconds(60)) {
                    try harness.units(on: connection).values.allSatisfy { $0.state == harness.doneState }
                }
            }
            let runs = try harness.runs(on: connection)
            #expect(runs.count == 300)
            #expect(runs.values.allSatisfy { $0 == 1 }, "a unit ran twice: \(runs.filter { $0.value != 1 })")
        }
    }

    @Test(
        "wake-up by NOTIFY: with a 60 s poll interval, new work is done within seconds",
        arguments: ContractRunner.allCases)
    func wakeUpByNotify(_ runner: ContractRunner) async throws {
        let harness = runner.harness
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try await Self.withProcesses(harness, schema, pollInterval: .seconds(60)) {
                // The first pass found nothing: the runner now sleeps until woken (or a minute).
                try await Task.sleep(for: .milliseconds(300))
                let started = ContinuousClock.now
                try harness.enqueueSucceeding(3, on: connection)
                try await waitUntil("the announced units done", timeout: .seconds(10)) {
                    try harness.runs(on: connection).count == 3
                }
                #expect(ContinuousClock.now - started < .seconds(10))
            }
        }
    }

    @Test(
        "parking vs discard: a unit failing for now is retried up to its attempts, then kept dead with its error; one refused for good at once",
        arguments: ContractRunner.allCases)
    func parkingVersusDiscard(_ runner: ContractRunner) async throws {
        let harness = runner.harness
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try await Self.withProcesses(harness, schema) {
                let (transient, permanent) = try harness.enqueueFailing(on: connection)
                try harness.enqueueSucceeding(2, on: connection)
                try await waitUntil("both failing units dead", timeout: .seconds(30)) {
                    let units = try harness.units(on: connection)
                    return units[transient]?.state == harness.deadState && units[permanent]?.state == harness.deadState
                }
                let units = try harness.units(on: connection)
                #expect(units[transient]?.attempts == 3, "retried up to its 3 attempts")
                #expect(units[transient]?.error?.isEmpty == false)
                #expect(units[permanent]?.attempts == 1, "refused for good: no retry")
                #expect(units[permanent]?.error?.isEmpty == false)
                try await waitUntil("the others done") { try harness.runs(on: connection).count == 2 }
            }
        }
    }
}
