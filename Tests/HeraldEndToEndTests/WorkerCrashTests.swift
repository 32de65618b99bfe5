import FakeGraph
import Foundation
import HeraldCore
import Logging
import Messenger
import Postgres
import TestSupport
import Testing

/// A real `herald work` process killed with SIGKILL in the middle of sending.
@Suite("Crash of a worker process")
struct WorkerCrashTests {
    static let page = HeraldProcessSupport.page

    /// A slow Graph: each thread has one message in flight, so a kill repeats at most one per
    /// thread. A fast one: threads send claimed batches of up to 16 and record them together, so
    /// a kill can repeat a thread's unrecorded batch.
    struct Case: Sendable, CustomTestStringConvertible {
        var latency: Duration
        var messages: Int
        var customers: Int
        /// Requests Graph has seen when the worker is killed.
        var killAfter: Int
        var duplicatesPerThread: Int
        var testDescription: String { "Graph at \(latency)" }
    }

    static let cases = [
        Case(latency: .milliseconds(300), messages: 24, customers: 12, killAfter: 4, duplicatesPerThread: 1),
        Case(latency: .zero, messages: 1000, customers: 100, killAfter: 200, duplicatesPerThread: 16),
    ]

    @Test(
        "after SIGKILL mid-send, another process finishes every message: all sent, none stuck, duplicates bounded",
        arguments: cases)
    func killedMidSend(_ crash: Case) async throws {
        let binary = try HeraldProcessSupport.binary()
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try HeraldProcessSupport.connectPage(connection)
            var logger = Logger(label: "herald.tests.crash")
            logger.logLevel = .warning
            let graph = try await FakeGraphServer.start(configuration: .init(latency: crash.latency), logger: logger)
            let store = OutboundStore(maxAttempts: 8)
            var ids: [Int64] = []
            for index in 0..<crash.messages {
                let draft = OutboundStore.Draft(
                    pageID: Self.page, psid: "crash-\(index % crash.customers)",
                    content: PostgresJSON(#"{"text":"message \#(index)"}"#))
                if case .created(let id) = try connection.transaction({ try store.create(draft, now: Date(), on: $0) })
                {
                    ids.append(id)
                }
            }
            let concurrency = 4
            var environment = try HeraldProcessSupport.environment(schema: schema, graphURL: graph.baseURL)
            environment["HERALD_CONCURRENCY"] = String(concurrency)
            environment["HERALD_JOB_LEASE_SECONDS"] = "5"

            let first = try ChildProcess.start(binary, ["work"], environment: environment)
            // Kill it while sends are in flight at Graph.
            try await waitUntil("the first worker is sending") { graph.requests().count >= crash.killAfter }
            first.stop(signal: SIGKILL)
            let sentBeforeKill = graph.requests().count

            let second = try ChildProcess.start(binary, ["work"], environment: environment)
            defer { second.stop() }
            try await waitUntil("every message sent or failed", timeout: .seconds(60)) {
                let open = try connection.query(
                    "SELECT count(*) FROM messages WHERE status NOT IN ('sent', 'failed')")[0].decode(0, as: Int.self)
                return open == 0
            }
            let statuses = try connection.query("SELECT status, count(*) FROM messages GROUP BY status")
                .map { "\(try $0.decode(0, as: String.self))=\(try $0.decode(1, as: Int.self))" }
            #expect(statuses == ["sent=\(ids.count)"], "second worker log: \(second.output.suffix(2000))")
            let metadata = graph.requests().compactMap(\.metadata)
            let duplicates = metadata.count - Set(metadata).count
            #expect(Set(metadata) == Set(ids.map { "herald:\($0)" }))
            // Only sends not yet recorded at the kill can be repeated.
            #expect(
                duplicates <= concurrency * crash.duplicatesPerThread,
                "\(duplicates) duplicates; \(sentBeforeKill) requests before the kill")
            await graph.stop()
        }
    }
}
