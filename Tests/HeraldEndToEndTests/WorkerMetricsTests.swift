import Curl
import FakeGraph
import Foundation
import HeraldCore
import Logging
import Postgres
import TestSupport
import Testing

/// `herald work` with `HERALD_METRICS_PORT`: its /metrics shows what it did, scraped over HTTP.
@Suite("herald work exports job and send metrics")
struct WorkerMetricsTests {
    static let page = HeraldProcessSupport.page

    @Test("after sending, /metrics counts claims, completions, sends and failures by reason, and the backlog reads 0")
    func scrape() async throws {
        let binary = try HeraldProcessSupport.binary()
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try HeraldProcessSupport.connectPage(connection)
            var logger = Logger(label: "herald.tests.metrics")
            logger.logLevel = .warning
            let graph = try await FakeGraphServer.start(logger: logger)
            defer { Task { await graph.stop() } }
            let store = OutboundStore(maxAttempts: 8)
            for (index, psid) in ["m1", "m2", "m3", "outside-window:m4"].enumerated() {
                let draft = OutboundStore.Draft(
                    pageID: Self.page, psid: psid, content: PostgresJSON(#"{"text":"n\#(index)"}"#))
                _ = try connection.transaction { try store.create(draft, now: Date(), on: $0) }
            }
            let port = try FreePort.next()
            var environment = try HeraldProcessSupport.environment(schema: schema, graphURL: graph.baseURL)
            environment["HERALD_METRICS_PORT"] = String(port)
            let worker = try ChildProcess.start(binary, ["work"], environment: environment)
            defer { worker.stop() }

            try await waitUntil("every message sent or failed", timeout: .seconds(30)) {
                try connection.query("SELECT count(*) FROM messages WHERE status IN ('sent', 'failed')")[0]
                    .decode(0, as: Int.self) == 4
            }
            let client = HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(5), threadCount: 1))
            var text = ""
            // The backlog gauges refresh every 5 s; wait for a scrape that shows the drained queue.
            for _ in 0..<100 {
                text = (try? await get(client, "http://127.0.0.1:\(port)/metrics")) ?? ""
                if text.contains(#"herald_jobs_ready{kind="send_message"} 0"#)
                    && text.contains(#"herald_jobs_completed_total{kind="send_message"} 4"#)
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(text.contains(#"herald_jobs_ready{kind="send_message"} 0"#), "\(text)")
            #expect(text.contains(#"herald_jobs_claimed_total{kind="send_message"} 4"#), "\(text)")
            #expect(text.contains("herald_messages_sent_total 3"))
            #expect(text.contains(#"herald_messages_failed_total{reason="outside_window"} 1"#))
            #expect(text.contains("herald_graph_request_duration_seconds_count 4"))
            #expect(text.contains(#"herald_jobs_lag_seconds{kind="send_message"} 0"#))
            #expect(text.contains("herald_webhook_events_pending 0"))
            let health = try await get(client, "http://127.0.0.1:\(port)/healthz")
            #expect(health == #"{"status":"ok"}"#)
        }
    }
}

private func get(_ client: HTTPClient, _ url: String) async throws -> String {
    String(decoding: try await client.execute(HTTPRequest(url: url)).body, as: UTF8.self)
}
