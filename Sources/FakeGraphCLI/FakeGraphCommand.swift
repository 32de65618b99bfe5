import ArgumentParser
import FakeGraph
import Foundation
import Hummingbird
import Logging

/// `fake-graph`: a stand-in for the Graph API (sends, `/me`, page subscriptions) for tests, the
/// demo and benchmarks.
@main
struct FakeGraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-graph",
        abstract:
            "A stand-in for Facebook's Graph API (sends, /me, subscribed_apps) that answers the way Facebook does.",
        discussion: """
            Routes:
              POST /{version}/me/messages?access_token=…[&appsecret_proof=…]   (or /{version}/{page-id}/messages)
              GET  /{version}/me?access_token=…
              POST /{version}/{page-id}/subscribed_apps?access_token=…&subscribed_fields=…
                                                   subscribe the app to the page's webhooks
              GET  /_fake/requests[?recipient=…]   received calls, oldest first (JSON);
                                                   (&endpoint=messages or subscribed_apps)
              DELETE /_fake/requests               clear recorded calls, stats and flaky counters
              GET  /_fake/stats                    counts by outcome (JSON)
              POST /_fake/allowed-urls {"url": …}  take a URL off the blocklist (blocked.example)
              GET  /_fake/allowed-urls             the URLs taken off it (JSON)
              POST /_fake/outage?seconds=N         every Graph request answers temporary (500) for N s
              DELETE /_fake/outage                 end the outage now
              HEAD /_fake/files/{name}?bytes=N     a file host for Herald's size check: 200, Content-Length N
                                                   (&redirect=1: a 302 to it first)

            The first line on stdout is `fake-graph listening on http://HOST:PORT`; logs go to stderr.

            \(FakeGraphScenario.helpText)
            """)

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one (read it from the first line on stdout).")
    var port = 8089

    @Option(name: .customLong("latency-ms"), help: "Milliseconds added before every Graph answer.")
    var latencyMilliseconds = 0

    @Option(name: .customLong("page-id"), help: "The page id GET /me answers.")
    var pageID = "100000000000001"

    @Option(name: .customLong("page-name"), help: "The page name GET /me answers.")
    var pageName = "Fake Page"

    @Option(name: .customLong("max-recorded"), help: "Most calls kept for GET /_fake/requests.")
    var maxRecorded = 10_000

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard latencyMilliseconds >= 0 else { throw ValidationError("--latency-ms must not be negative") }
        guard maxRecorded > 0 else { throw ValidationError("--max-recorded must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        // Logs on stderr keep stdout for the one line scripts read.
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "fake-graph")
        let configuration = FakeGraphConfiguration(
            host: host, port: port, latency: .milliseconds(latencyMilliseconds), pageID: pageID, pageName: pageName,
            maxRecordedRequests: maxRecorded)
        let application = FakeGraphServer.makeApplication(configuration: configuration, logger: logger) { host, port in
            let shown = host.contains(":") ? "[\(host)]" : host
            // Written straight to fd 1 (no stdio buffering), so a pipe reader sees it at once.
            FileHandle.standardOutput.write(Data("fake-graph listening on http://\(shown):\(port)\n".utf8))
        }
        // Stops gracefully on SIGTERM and SIGINT.
        try await application.runService()
    }
}
