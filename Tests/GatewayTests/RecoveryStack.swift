import Curl
import FakeGraph
import Foundation
import HeraldApp
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

/// The whole of `herald run` for recovery tests: a real gateway (admin and /v1 API, token check
/// against fake-graph), the workers as HeraldApp builds them (ingest, jobs, URL probes and the
/// other maintenance, sends through libcurl) and fake-graph, on one schema.
struct RecoveryStack {
    static let page = WebhookBuilder.page

    let gateway: TestGateway
    let graph: RunningFakeGraph
    let connection: PostgresConnection
    /// Every line the gateway and the workers logged, at trace level.
    let logs: LogCapture

    struct Options {
        var autoResendOnReply = false
        var probeInterval: TimeInterval = 3600
        /// How long fake-graph takes to answer each call (an attempt stays in flight that long).
        var graphLatency: Duration = .zero
    }

    static func with(_ options: Options = Options(), _ body: (RecoveryStack) async throws -> Void) async throws {
        var graphLogger = Logger(label: "herald.tests.recovery.graph")
        graphLogger.logLevel = .warning
        let logs = LogCapture()
        let logger = logs.logger(label: "herald.tests.recovery", level: .trace)
        let graph = try await FakeGraphServer.start(
            configuration: .init(latency: options.graphLatency, pageID: page), logger: graphLogger)
        do {
            try await TestDatabase.withSchema { schema in
                let checker = GraphHTTPClient(
                    graphBaseURL: graph.baseURL, version: "v25.0", appSecret: nil,
                    client: HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(5), threadCount: 1)))
                let actions = GraphHTTPClient(
                    graphBaseURL: graph.baseURL, version: "v25.0", appSecret: nil,
                    client: HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(5), threadCount: 1)))
                try await TestGateway.with(
                    database: schema.configuration, tokenChecker: checker, senderActions: actions, logger: logger
                ) { gateway in
                    try await withWorkers(schema, graph: graph, options: options, logger: logger) {
                        try await body(
                            RecoveryStack(gateway: gateway, graph: graph, connection: try schema.connect(), logs: logs))
                    }
                }
            }
            await graph.stop()
        } catch {
            await graph.stop()
            throw error
        }
    }

    private static func withWorkers(
        _ schema: TestSchema, graph: RunningFakeGraph, options: Options, logger: Logger, _ body: () async throws -> Void
    ) async throws {
        let pool = schema.makePool(maxConnections: 4)
        // `herald work` as HeraldApp composes it, with short poll and maintenance intervals.
        var configuration = HeraldConfiguration(database: schema.configuration)
        configuration.graphURL = graph.baseURL
        configuration.concurrency = 2
        configuration.retryBase = .milliseconds(20)
        configuration.maxAttempts = 3
        configuration.urlProbeInterval = options.probeInterval
        configuration.autoResendOnReply = options.autoResendOnReply
        configuration.intervals.ingestPoll = .milliseconds(100)
        configuration.intervals.jobPoll = .milliseconds(50)
        configuration.intervals.leaseRescue = .milliseconds(100)
        configuration.intervals.urlProbeCheck = .milliseconds(100)
        let workers = WorkerServices(configuration: configuration, pool: pool, subscriber: nil, logger: logger)
        defer { pool.close() }
        try await withRunningServices(workers.all, logger: logger, body)
    }

    // MARK: - Acting as admin, supporter and customer

    func admin(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> HTTPResponse {
        let auth = [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.adminToken)")]
        if let body {
            return try await gateway.client.execute(
                .json(method, url: gateway.url(path), body: Array(body.utf8), headers: auth))
        }
        return try await gateway.client.execute(HTTPRequest(method: method, url: gateway.url(path), headers: auth))
    }

    func api(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> HTTPResponse {
        let auth = [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.apiToken)")]
        if let body {
            return try await gateway.client.execute(
                .json(method, url: gateway.url(path), body: Array(body.utf8), headers: auth))
        }
        return try await gateway.client.execute(HTTPRequest(method: method, url: gateway.url(path), headers: auth))
    }

    /// Connects the page through the API; `humanAgent` sets `human_agent_enabled`.
    @discardableResult
    func connectPage(token: String = "page-token-1", humanAgent: Bool? = nil) async throws -> HTTPResponse {
        let flag = humanAgent.map { #","human_agent_enabled":\#($0)"# } ?? ""
        return try await admin(.put, "/admin/pages/\(Self.page)", #"{"access_token":"\#(token)"\#(flag)}"#)
    }

    /// A customer whose latest message was `ago` seconds ago.
    func customer(_ psid: String, lastMessageAgo ago: TimeInterval = 60) throws {
        let at = Date().addingTimeInterval(-ago)
        try connection.query(
            """
            INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
            VALUES ($1, $2, $3, $3, $3, 1)
            """, [Self.page, psid, at])
    }

    /// A supporter's message through `POST /v1/…/messages`; its id.
    func send(_ content: String, to psid: String) async throws -> Int64 {
        let response = try await api(.post, "/v1/pages/\(Self.page)/customers/\(psid)/messages", content)
        #expect(response.status == 201, "\(response.text)")
        return try #require((response.json?["id"] as? NSNumber)?.int64Value)
    }

    /// The customer writes: a signed webhook through the gateway, ingested by the workers.
    func customerWrites(_ psid: String, mid: String) async throws {
        let body = WebhookBuilder.body([WebhookBuilder.message(psid, mid: mid, at: Date())])
        let response = try await gateway.postWebhook(body)
        #expect(response.status == 200)
        try await waitUntil("\(mid) ingested") {
            try connection.query("SELECT count(*) FROM messages WHERE mid = $1", [mid])[0].decode(0, as: Int.self) == 1
        }
    }

    func status(_ id: Int64) throws -> (status: String, reason: String?) {
        let row = try connection.query("SELECT status, failure_reason FROM messages WHERE id = $1", [id])[0]
        return (try row.decode(0, as: String.self), try row.decode(1, as: String?.self))
    }

    func wait(_ ids: [Int64], until status: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("messages \(ids) \(status)", sourceLocation: sourceLocation) {
            try ids.allSatisfy { try self.status($0).status == status }
        }
    }

    /// The sends fake-graph received for Herald message `id`, oldest first.
    func sends(of id: Int64) -> [ReceivedSend] {
        graph.requests().filter { $0.metadata == "herald:\(id)" }
    }

    func blockedURLs() async throws -> [[String: Any]] {
        let response = try await admin(.get, "/admin/blocked-urls")
        #expect(response.status == 200, "\(response.text)")
        return try #require(response.json?["blocked_urls"] as? [[String: Any]])
    }
}
