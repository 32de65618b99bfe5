import Curl
import Foundation
import Gateway
import HeraldCore
import Logging
import Messenger
import NIOCore
import Postgres
import Prometheus
import ServiceLifecycle
import TestSupport

/// A real gateway on an ephemeral loopback port, with its batcher, for one test.
struct TestGateway {
    static let appSecret = "test-app-secret"
    static let verifyToken = "test-verify-token"
    static let apiToken = "test-api-token"
    static let adminToken = "test-admin-token"

    let port: Int
    let appSecret: String
    let registry: PrometheusCollectorRegistry
    let batcher: WebhookBatcher
    let changes: ChangeStream
    let client: HTTPClient
    /// The connections' limits and counts (and the drain, when the gateway runs one).
    let connections: GatewayConnections
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Runs `body` against a gateway storing into `database`, then shuts it down gracefully.
    static func with<T>(
        database: PostgresConfiguration, appSecret: String = TestGateway.appSecret, maxBodyBytes: Int = 4 << 20,
        batcherOptions: WebhookBatcher.Configuration = .init(maxReconnectBackoff: .milliseconds(200)),
        apiToken: String = TestGateway.apiToken, adminToken: String = TestGateway.adminToken,
        tokenKey: [UInt8]? = nil, clock: any HeraldClock = SystemClock(), tokenChecker: (any PageTokenChecker)? = nil,
        pageSubscriber: (any PageSubscriber)? = nil, retryBase: Duration = .seconds(10), maxSendAttempts: Int = 8,
        senderActions: (any SenderActionSender)? = nil,
        logger: Logger? = nil, streamOptions: ChangeStream.Configuration = .init(), clientThreads: Int = 8,
        urlPolicy: AddressPolicy = .publicOnly, connectionLimits: ConnectionLimits = .init(), drains: Bool = false,
        _ body: (TestGateway) async throws -> T
    ) async throws -> T {
        let gateway = try await TestGateway(
            database: database, appSecret: appSecret, maxBodyBytes: maxBodyBytes, options: batcherOptions,
            apiToken: apiToken, adminToken: adminToken, tokenKey: tokenKey, clock: clock, tokenChecker: tokenChecker,
            pageSubscriber: pageSubscriber, retryBase: retryBase, maxSendAttempts: maxSendAttempts,
            senderActions: senderActions, logger: logger, streamOptions: streamOptions, clientThreads: clientThreads,
            urlPolicy: urlPolicy, connectionLimits: connectionLimits, drains: drains)
        do {
            let value = try await body(gateway)
            try await gateway.shutdown()
            return value
        } catch {
            try? await gateway.shutdown()
            throw error
        }
    }

    private init(
        database: PostgresConfiguration, appSecret: String, maxBodyBytes: Int, options: WebhookBatcher.Configuration,
        apiToken: String, adminToken: String, tokenKey: [UInt8]?, clock: any HeraldClock,
        tokenChecker: (any PageTokenChecker)?, pageSubscriber: (any PageSubscriber)?, retryBase: Duration,
        maxSendAttempts: Int, senderActions: (any SenderActionSender)?, logger: Logger?,
        streamOptions: ChangeStream.Configuration, clientThreads: Int, urlPolicy: AddressPolicy,
        connectionLimits: ConnectionLimits, drains: Bool
    ) async throws {
        self.appSecret = appSecret
        let logger =
            logger
            ?? {
                var logger = Logger(label: "herald.tests.gateway")
                logger.logLevel = .warning
                return logger
            }()
        registry = PrometheusCollectorRegistry()
        let metrics = GatewayMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let pool = PostgresPool(configuration: database, options: .init(maxConnections: 2), logger: logger)
        batcher = WebhookBatcher(database: database, configuration: options, metrics: metrics, logger: logger)
        changes = ChangeStream(
            database: database, pool: pool, configuration: streamOptions, clock: clock, logger: logger)
        connections = GatewayConnections(limits: connectionLimits, metrics: metrics)
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = GatewayApplication.makeApplication(
            configuration: .init(
                host: "127.0.0.1", port: 0, appSecret: Array(appSecret.utf8), verifyToken: Self.verifyToken,
                apiToken: apiToken, adminToken: adminToken, maxBodyBytes: maxBodyBytes,
                maxSendAttempts: maxSendAttempts,
                tokenKey: tokenKey, retryBase: retryBase, urlPolicy: urlPolicy),
            pool: pool, migrator: Migrator(migrations: try TestDatabase.migrations()), batcher: batcher,
            changes: changes,
            registry: registry, metrics: metrics, logger: logger,
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            clock: clock, tokenChecker: tokenChecker, pageSubscriber: pageSubscriber, senderActions: senderActions,
            connections: connections)
        // As `herald serve` runs it when `drains`: the drain last, so it hears the shutdown first;
        // 5 quiet seconds rather than 2, for a test pool that can stall for seconds.
        let drain: [any Service] =
            drains ? [GatewayDrain(connections: connections, quietPeriod: .seconds(5), logger: logger)] : []
        group = ServiceGroup(services: [batcher, application, changes] + drain, logger: logger)
        running = Task { [group] in
            defer { pool.close() }
            try await group.run()
        }
        var ports = portStream.makeAsyncIterator()
        port = await ports.next() ?? 0
        // Each thread is a blocking libcurl transfer at a time: as many as the test runs requests at
        // once (64 threads for each of ~150 gateways made thousands of idle threads in the suite).
        client = HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(30), threadCount: clientThreads))
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// POSTs `body` to /webhook with the given signature header (a correct one by default).
    func postWebhook(_ body: [UInt8], signature: String? = nil, extraHeaders: [HTTPHeader] = []) async throws
        -> HTTPResponse
    {
        let header = signature ?? WebhookSignature(appSecret: Array(appSecret.utf8)).headerValue(for: body)
        return try await client.execute(
            .json(
                .post, url: url("/webhook"), body: body,
                headers: [HTTPHeader(name: "X-Hub-Signature-256", value: header)] + extraHeaders))
    }

    func get(_ path: String, headers: [HTTPHeader] = []) async throws -> HTTPResponse {
        try await client.execute(HTTPRequest(method: .get, url: url(path), headers: headers))
    }

    /// GETs a `/v1` path with `Authorization: Bearer` and the test API token (or `token`).
    func apiGet(_ path: String, token: String = TestGateway.apiToken) async throws -> HTTPResponse {
        try await get(path, headers: [HTTPHeader(name: "Authorization", value: "Bearer \(token)")])
    }

    /// Starts the graceful shutdown (as SIGTERM does) without waiting for it.
    func beginShutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// Stops accepting, lets in-flight requests finish, flushes the batcher.
    func shutdown() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        client.shutdown()
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object, or nil.
    var json: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
    }

    /// The `error.code` of a JSON error body.
    var errorCode: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let error = object["error"] as? [String: Any]
        else { return nil }
        return error["code"] as? String
    }
}

/// Rows stored in `webhook_events` of a schema.
func storedBodies(_ configuration: PostgresConfiguration) throws -> [[UInt8]] {
    try PostgresConnection(configuration: configuration)
        .query("SELECT body FROM webhook_events ORDER BY id")
        .map { try $0.decode(0, as: [UInt8].self) }
}

extension TestGateway {
    /// A metric's current value from this gateway's registry (first sample of that name).
    func metric(_ name: String) -> Double? {
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}

enum TestMetrics {
    static func factory() -> PrometheusMetricsFactory {
        PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
    }
}
