import Curl
import Gateway
import HeraldCore
import Logging
import Postgres
import Prometheus
import ServiceLifecycle
import UnixSignals
import Workers

/// Herald's composition root: a long-running process — the gateway, the workers, or both — built
/// from a `HeraldConfiguration` and run as one `ServiceGroup` that stops gracefully on SIGTERM or
/// SIGINT. The `herald` executable calls it after reading the environment, bootstrapping logging
/// and metrics; tests build the same parts (`WorkerServices`, `GatewayServices`) directly.
public struct HeraldApplication {
    /// What a process runs.
    public struct Roles: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `herald serve`: the HTTP gateway.
        public static let serve = Roles(rawValue: 1)
        /// `herald work`: the workers.
        public static let work = Roles(rawValue: 2)
    }

    public var configuration: HeraldConfiguration
    public var roles: Roles
    /// The schema's migrations: readiness reports pending ones, and start-up warns about them.
    public var migrations: [Migration]
    /// The factory the process bootstrapped `MetricsSystem` with; its registry is what
    /// `/metrics` exports.
    public var metricsFactory: PrometheusMetricsFactory
    public var logger: Logger

    public init(
        configuration: HeraldConfiguration, roles: Roles, migrations: [Migration],
        metricsFactory: PrometheusMetricsFactory,
        logger: Logger
    ) {
        self.configuration = configuration
        self.roles = roles
        self.migrations = migrations
        self.metricsFactory = metricsFactory
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT, then stops gracefully.
    public func run() async throws {
        let pool = PostgresPool(
            configuration: configuration.database, options: .init(maxConnections: configuration.databasePoolSize),
            logger: logger)
        defer { pool.close() }
        let migrator = Migrator(migrations: migrations)
        await warnAboutPendingMigrations(pool: pool, migrator: migrator)
        if configuration.allowPrivateURLs {
            logger.warning(
                "HERALD_ALLOW_PRIVATE_URLS=true: supporters' URLs may make this process reach loopback, private and link-local addresses; use it only for tests and demos"
            )
        }
        // Admin calls and subscription retries are rare: two libcurl threads of their own serve the
        // gateway's token checks and subscriptions and the workers' subscription retries. Token
        // checks wait 10 s at most (then the token is stored unchecked), subscriptions as long
        // (then the call counts as a transient failure).
        let graphClient = HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(10), threadCount: 2))
        defer { graphClient.shutdown() }
        let graph = graphCalls(client: graphClient)

        var services: [any Service] = []
        var drain: GatewayDrain?
        if roles.contains(.serve) {
            let gateway = GatewayServices(
                configuration: configuration, pool: pool, migrator: migrator, metricsFactory: metricsFactory,
                tokenChecker: graph, pageSubscriber: graph, senderActions: senderActions(), logger: logger)
            services += gateway.services
            drain = gateway.drain
        }
        if roles.contains(.work) {
            services += WorkerServices(configuration: configuration, pool: pool, subscriber: graph, logger: logger).all
            // `herald run` exports everything on the gateway's /metrics; `herald work` needs its own port.
            if !roles.contains(.serve), let port = configuration.metricsPort {
                services.append(
                    MetricsServer.makeApplication(
                        host: configuration.host, port: port, registry: metricsFactory.registry, logger: logger))
            }
        }
        if let drain { services.append(drain) }
        if services.isEmpty { services.append(IdleService()) }

        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info("herald started", metadata: ["herald.roles": "\(roles.names)"])
        try await group.run()
        logger.info("herald stopped")
    }

    /// Graph's non-send calls (token checks, subscriptions, sender actions) over `client`.
    private func graphCalls(client: HTTPClient) -> GraphHTTPClient {
        GraphHTTPClient(
            graphBaseURL: configuration.graphURL, version: configuration.graphVersion,
            appSecret: configuration.graphAppSecret, client: client)
    }

    /// Sends `/v1/…/actions` to Graph on two libcurl threads of their own, 5 s at most each: a
    /// typing indicator that late is worthless, and the supporter's request waits for it.
    private func senderActions() -> GraphHTTPClient {
        graphCalls(client: HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(5), threadCount: 2)))
    }

    /// A gateway may start before `herald migrate` has run (readiness reports it); say so loudly.
    private func warnAboutPendingMigrations(pool: PostgresPool, migrator: Migrator) async {
        do {
            let pending = try await pool.withConnection { try migrator.pendingMigrations($0) }
            if !pending.isEmpty {
                logger.warning(
                    "database has pending migrations; run `herald migrate`",
                    metadata: ["herald.migrations.pending": "\(pending.map(\.version))"])
            }
        } catch {
            logger.warning(
                "database not reachable at start; will keep retrying", metadata: ["herald.error": "\(error)"])
        }
    }
}

/// Keeps a process with nothing else to run alive until shutdown.
struct IdleService: Service {
    func run() async throws {
        try await gracefulShutdown()
    }
}

extension HeraldApplication.Roles {
    var names: String {
        [(Self.serve, "serve"), (.work, "work")].filter { contains($0.0) }.map(\.1).joined(separator: "+")
    }
}
