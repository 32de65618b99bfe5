import Curl
import FakeGraph
import Foundation
import Logging
import Postgres
import TestSupport
import Testing

/// docs/prometheus/alerts.yml and docs/grafana/herald.json are only worth having if their
/// metrics exist: every `herald_…` name either file uses must be one a live `herald run` or
/// `herald work` exports after traffic that touches every path (a histogram's `_bucket`, `_sum`
/// and `_count` count as its own name).
@Suite("Alert rules and dashboard name only metrics Herald exports")
struct AlertMetricNamesTests {
    static let page = HeraldProcessSupport.page

    @Test(
        "every herald_ metric in alerts.yml and herald.json is on the /metrics of herald run or herald work after webhooks, sends, a retry, a discard, a park and a sender action"
    )
    func namesExist() async throws {
        let referenced = try Self.referencedNames()
        #expect(referenced.count > 20, "\(referenced)")
        try await TestDatabase.withSchema { schema in
            var logger = Logger(label: "herald.tests.alert-names")
            logger.logLevel = .warning
            let graph = try await FakeGraphServer.start(logger: logger)
            defer { Task { await graph.stop() } }
            let connection = try schema.connect()
            try HeraldProcessSupport.connectPage(connection)
            let extra = ["HERALD_MAX_ATTEMPTS": "2", "HERALD_RETRY_BASE_SECONDS": "1"]
            let run = try await RunningHerald.start(schema: schema, graphURL: graph.baseURL, extra: extra)
            defer { run.stop() }
            let work = try await RunningHerald.start(
                "work", schema: schema, graphURL: graph.baseURL, secrets: run.secrets, extra: extra)
            defer { work.stop() }

            let message = WebhookBuilder.body([WebhookBuilder.message("c1", mid: "m-names-1", at: Date())])
            #expect(try await run.postWebhook(message).status == 200)
            #expect(try await run.postWebhook(Array("not json".utf8)).status == 200)
            #expect(try await run.postWebhook(message, secret: "not-the-secret").status == 401)
            for psid in ["c1", "temporary:names"] {
                let created = try await run.post(
                    "/v1/pages/\(Self.page)/customers/\(psid)/messages", json: #"{"text":"hi"}"#,
                    token: run.secrets.apiToken)
                #expect(created.status == 201, "\(created.text)")
            }
            _ = try await run.post(
                "/v1/pages/\(Self.page)/customers/c1/actions", json: #"{"action":"typing_on"}"#,
                token: run.secrets.apiToken)
            try await waitUntil(
                "one message sent, one failed after its retry, one webhook parked", timeout: .seconds(30)
            ) {
                let row = try connection.query(
                    """
                    SELECT (SELECT count(*) FROM messages WHERE status = 'sent' AND direction = 'outbound'),
                           (SELECT count(*) FROM messages WHERE status = 'failed'),
                           (SELECT count(*) FROM webhook_events WHERE state = 'parked')
                    """)[0]
                return try row.decode(0, as: Int.self) == 1 && row.decode(1, as: Int.self) == 1
                    && row.decode(2, as: Int.self) == 1
            }

            var exported = ExportedMetrics()
            // The gauges refresh every 5 s; the page's appears on a refresh after it connected.
            for _ in 0..<100 {
                exported = ExportedMetrics()
                exported.read(try await run.metrics())
                exported.read(try await work.metrics())
                if referenced.allSatisfy(exported.contains) { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            let missing = referenced.filter { !exported.contains($0) }.sorted()
            #expect(missing.isEmpty, "used by the alerts or the dashboard but not exported: \(missing)")
        }
    }

    /// Every `herald_…` word of the two files (expressions, legends and descriptions alike).
    static func referencedNames() throws -> Set<String> {
        let alerts = try String(
            contentsOf: RepositoryPaths.docs.appendingPathComponent("prometheus/alerts.yml"), encoding: .utf8)
        let dashboard = try Data(contentsOf: RepositoryPaths.docs.appendingPathComponent("grafana/herald.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: dashboard) as? [String: Any])
        #expect((object["panels"] as? [Any])?.isEmpty == false)
        let text = alerts + String(decoding: dashboard, as: UTF8.self)
        return Set(text.matches(of: #/herald_[a-z0-9_]+/#).map { String($0.output) })
    }
}
