import Curl
import FakeGraph
import Foundation
import Logging
import Postgres
import TestSupport
import Testing

/// `HERALD_LOG_FORMAT` through a real `herald run` at trace level: a send, a webhook, the
/// handshake and an admin call, then the output is searched for every secret, and in JSON
/// every line must be an object with the fixed fields.
@Suite("herald run logs: text and JSON, at trace level, without secrets")
struct LogFormatTests {
    static let page = HeraldProcessSupport.page

    @Test(
        "every secret (page token, app secret, verify, API and admin tokens) is absent from the trace log; JSON lines parse with time, level, label, message and metadata fields",
        arguments: ["text", "json"])
    func traceLog(format: String) async throws {
        try await TestDatabase.withSchema { schema in
            var logger = Logger(label: "herald.tests.log-format")
            logger.logLevel = .warning
            let graph = try await FakeGraphServer.start(logger: logger)
            defer { Task { await graph.stop() } }
            let secrets = RunningHerald.Secrets()
            let connection = try schema.connect()
            try connection.query(
                "INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', $2, now())",
                [Self.page, Array(secrets.pageToken.utf8)])
            let herald = try await RunningHerald.start(
                schema: schema, graphURL: graph.baseURL, secrets: secrets,
                extra: ["HERALD_LOG_LEVEL": "trace", "HERALD_LOG_FORMAT": format])

            let webhook = WebhookBuilder.body([WebhookBuilder.message("c1", mid: "m-\(secrets.run)", at: Date())])
            #expect(try await herald.postWebhook(webhook).status == 200)
            let challenge = "/webhook?hub.mode=subscribe&hub.verify_token=\(secrets.verifyToken)&hub.challenge=c42"
            #expect(try await herald.get(challenge).text == "c42")
            #expect(try await herald.get("/admin/pages", token: secrets.adminToken).status == 200)
            let sent = try await herald.post(
                "/v1/pages/\(Self.page)/customers/c1/messages", json: #"{"text":"hello"}"#, token: secrets.apiToken)
            #expect(sent.status == 201, "\(sent.text)")
            try await waitUntil("the reply sent", timeout: .seconds(30)) {
                try connection.query("SELECT count(*) FROM messages WHERE status = 'sent'")[0].decode(0, as: Int.self)
                    == 1
            }
            let digest = ReceivedSend.tokenDigest(of: secrets.pageToken)
            #expect(
                graph.requests().contains { $0.tokenDigest == digest && $0.appsecretProof }, "Graph never saw the token"
            )
            herald.stop()

            let output = herald.process.output
            for secret in secrets.all {
                #expect(!output.contains(secret), "\(format) log holds \(secret)")
            }
            let lines = output.split(separator: "\n")
            #expect(lines.count > 10, "\(output)")
            if format == "json" {
                try Self.checkJSON(lines)
            } else {
                #expect(lines.contains { $0.contains(" trace ") }, "no trace line: \(output)")
                #expect(lines.contains { $0.contains("herald started") })
            }
        }
    }

    static func checkJSON(_ lines: [Substring]) throws {
        let time = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/#
        var levels = Set<String>()
        for line in lines {
            let object = try #require(
                try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)"
            )
            let stamp = try #require(object["time"] as? String, "\(line)")
            #expect(stamp.wholeMatch(of: time) != nil, "\(stamp)")
            levels.insert(try #require(object["level"] as? String, "\(line)"))
            #expect(object["label"] is String, "\(line)")
            #expect(object["message"] is String, "\(line)")
        }
        #expect(levels.contains("trace") && levels.contains("info"), "\(levels)")
        let started = try #require(
            lines.lazy.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["message"] as? String == "herald started" })
        #expect(started["herald.roles"] as? String == "serve+work")
        #expect(started["label"] as? String == "herald")
    }
}
