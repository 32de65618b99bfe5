import Curl
import Foundation
import Messenger
import Postgres
import TestSupport
import Testing

/// A real `herald run` (or `herald work`) process for one test: its own port, secrets of its
/// own (distinct strings, so a test can grep its output for them), and a client for its HTTP API.
struct RunningHerald {
    /// Secrets that must never show up in a log line.
    struct Secrets {
        let run = UUID().uuidString.prefix(8).lowercased()
        var appSecret: String { "app-secret-\(run)" }
        var verifyToken: String { "verify-token-\(run)" }
        var apiToken: String { "api-token-\(run)" }
        var adminToken: String { "admin-token-\(run)" }
        var pageToken: String { "EAAGpage-token-\(run)" }
        var all: [String] { [appSecret, verifyToken, apiToken, adminToken, pageToken] }
    }

    let process: ChildProcess.Running
    let port: Int
    let secrets: Secrets
    let client: HTTPClient

    /// Starts `herald <command>` on `schema` with `graphURL` and `extra` settings, and waits for
    /// `/readyz` (`/healthz` for `work`, on `HERALD_METRICS_PORT`) to answer 200.
    static func start(
        _ command: String = "run", schema: TestSchema, graphURL: String, secrets: Secrets = Secrets(),
        extra: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> RunningHerald {
        let port = try FreePort.next()
        var environment = try HeraldProcessSupport.environment(schema: schema, graphURL: graphURL)
        environment["HERALD_PORT"] = String(port)
        environment["HERALD_APP_SECRET"] = secrets.appSecret
        environment["HERALD_VERIFY_TOKEN"] = secrets.verifyToken
        environment["HERALD_API_TOKEN"] = secrets.apiToken
        environment["HERALD_ADMIN_TOKEN"] = secrets.adminToken
        if command == "work" { environment["HERALD_METRICS_PORT"] = String(port) }
        environment.merge(extra) { _, new in new }
        let process = try ChildProcess.start(try HeraldProcessSupport.binary(), [command], environment: environment)
        let herald = RunningHerald(
            process: process, port: port, secrets: secrets,
            client: HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(10), threadCount: 2)))
        let probe = command == "work" ? "/healthz" : "/readyz"
        for _ in 0..<300 {
            if (try? await herald.get(probe).status) == 200 { return herald }
            try await Task.sleep(for: .milliseconds(50))
        }
        herald.stop()
        Issue.record("herald \(command) not ready within 15 s: \(process.output)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func get(_ path: String, token: String? = nil) async throws -> HTTPResponse {
        try await client.execute(HTTPRequest(method: .get, url: url(path), headers: authorization(token)))
    }

    func post(_ path: String, json: String, token: String? = nil) async throws -> HTTPResponse {
        try await client.execute(.json(.post, url: url(path), body: Array(json.utf8), headers: authorization(token)))
    }

    /// POSTs `body` to /webhook signed with this process's app secret (or `secret`).
    func postWebhook(_ body: [UInt8], secret: String? = nil) async throws -> HTTPResponse {
        let signature = WebhookSignature(appSecret: Array((secret ?? secrets.appSecret).utf8)).headerValue(for: body)
        return try await client.execute(
            .json(
                .post, url: url("/webhook"), body: body,
                headers: [HTTPHeader(name: "X-Hub-Signature-256", value: signature)]))
    }

    /// This process's /metrics as text.
    func metrics() async throws -> String {
        String(decoding: try await get("/metrics").body, as: UTF8.self)
    }

    /// SIGTERM, and waits for the exit.
    func stop() {
        process.stop()
        client.shutdown()
    }

    private func authorization(_ token: String?) -> [HTTPHeader] {
        token.map { [HTTPHeader(name: "Authorization", value: "Bearer \($0)")] } ?? []
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
