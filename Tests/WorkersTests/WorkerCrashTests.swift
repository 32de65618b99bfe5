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

    @Test("after SIGKILL mid-send, another process finishes every message: all sent, none stuck, duplicates bounded")
    func killedMidSend() async throws {
        let binary = try HeraldProcessSupport.binary()
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try HeraldProcessSupport.connectPage(connection)
            var logger = Logger(label: "herald.tests.crash")
            logger.logLevel = .warning
            let graph = try await FakeGraphServer.start(configuration: .init(latency: .milliseconds(300)), logger: logger)
            let store = OutboundStore(maxAttempts: 8)
            var ids: [Int64] = []
            for index in 0..<24 {
                let draft = OutboundStore.Draft(
                    pageID: Self.page, psid: "crash-\(index % 12)", content: PostgresJSON(#"{"text":"message \#(index)"}"#))
                if case .created(let id) = try connection.transaction({ try store.create(draft, now: Date(), on: $0) }) {
                    ids.append(id)
                }
            }
            let concurrency = 4
            var environment = try HeraldProcessSupport.environment(schema: schema, graphURL: graph.baseURL)
            environment["HERALD_CONCURRENCY"] = String(concurrency)
            environment["HERALD_JOB_LEASE_SECONDS"] = "5"

            let first = try ChildProcess.start(binary, ["work"], environment: environment)
            // Kill it while sends are in flight at Graph (each takes 300 ms there).
            try await poll("the first worker is sending") { graph.requests().count >= concurrency }
            first.stop(signal: SIGKILL)
            let sentBeforeKill = graph.requests().count

            let second = try ChildProcess.start(binary, ["work"], environment: environment)
            defer { second.stop() }
            try await poll("every message sent or failed", timeout: .seconds(60)) {
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
            // Only sends in flight at the kill can be repeated: at most one per send thread.
            #expect(duplicates <= concurrency, "\(duplicates) duplicates; \(sentBeforeKill) requests before the kill")
            await graph.stop()
        }
    }
}
