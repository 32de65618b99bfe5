import FakeGraph
import Foundation
import HeraldCore
import Logging
import Postgres
import TestSupport
import Testing

/// `HERALD_ALLOW_PRIVATE_URLS` through the real `herald work`: unset, a loopback image URL is
/// refused before any connection; `true`, it is measured and sent, and start-up warns about it.
@Suite("herald work and HERALD_ALLOW_PRIVATE_URLS")
struct AllowPrivateURLsCommandTests {
    static let warning = "HERALD_ALLOW_PRIVATE_URLS=true"

    @Test(
        "unset: a loopback image fails invalid_format and its host sees nothing; true: it is measured, sent, and a warning is logged",
        arguments: [false, true])
    func work(allowPrivateURLs: Bool) async throws {
        let binary = try HeraldProcessSupport.binary()
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try HeraldProcessSupport.connectPage(connection)
            var logger = Logger(label: "herald.tests.allow-private-urls")
            logger.logLevel = .warning
            let graph = try await FakeGraphServer.start(logger: logger)
            defer { Task { await graph.stop() } }
            try await RecordingHTTPServer.with { files in
                let draft = OutboundStore.Draft(
                    pageID: HeraldProcessSupport.page, psid: "p1",
                    content: PostgresJSON(#"{"image":{"url":"\#(files.url("/a.png?bytes=1000"))"}}"#))
                let created = try connection.transaction {
                    try OutboundStore(maxAttempts: 3).create(draft, now: Date(), on: $0)
                }
                guard case .created(let id) = created else {
                    Issue.record("not created")
                    return
                }

                var environment = try HeraldProcessSupport.environment(schema: schema, graphURL: graph.baseURL)
                environment["HERALD_ALLOW_PRIVATE_URLS"] = allowPrivateURLs ? "true" : nil
                let worker = try ChildProcess.start(binary, ["work"], environment: environment)
                defer { worker.stop() }
                try await waitUntil("the message sent or failed", timeout: .seconds(30)) {
                    try connection.query("SELECT status IN ('sent', 'failed') FROM messages WHERE id = $1", [id])[0]
                        .decode(0, as: Bool.self)
                }
                let row = try connection.query(
                    "SELECT status, failure_reason, failure_detail FROM messages WHERE id = $1", [id])[0]
                if allowPrivateURLs {
                    #expect(try row.decode(0, as: String.self) == "sent")
                    #expect(files.requests.map(\.method) == ["HEAD"])
                    #expect(worker.output.contains(Self.warning), "\(worker.output)")
                } else {
                    #expect(try row.decode(0, as: String.self) == "failed")
                    #expect(try row.decode(1, as: String?.self) == "invalid_format")
                    #expect(try row.decode(2, as: String?.self) == "URL is not publicly reachable")
                    #expect(files.untouched, "\(files.requests)")
                    #expect(graph.requests().isEmpty)
                    #expect(!worker.output.contains(Self.warning), "\(worker.output)")
                }
            }
        }
    }
}
