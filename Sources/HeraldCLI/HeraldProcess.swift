import Foundation
import Curl
import Gateway
import HeraldCore
import JobQueue
import Logging
import Metrics
import Postgres
import Prometheus
import ServiceLifecycle
import UnixSignals
import Workers

/// A long-running `herald` process: the gateway, the workers, or both, as one `ServiceGroup`
/// that stops gracefully on SIGTERM or SIGINT.
struct HeraldProcess {
    var roles: Setting.Roles
    var concurrency: Int? = nil

    func run() async throws {
        var settings = try Startup.settings(for: roles)
        if let concurrency { settings.concurrency = concurrency }
        let logger = Startup.bootstrapLogging(settings, label: "herald")
        let registry = PrometheusCollectorRegistry()
        let metricsFactory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(metricsFactory)

        let database = PostgresConfiguration(connectionString: settings.databaseURL, connectTimeoutSeconds: 2)
        let pool = PostgresPool(
            configuration: database, options: .init(maxConnections: settings.databasePoolSize), logger: logger)
        defer { pool.close() }
        let migrator = Migrator(migrations: try Startup.migrations(settings))
        await warnAboutPendingMigrations(pool: pool, migrator: migrator, logger: logger)
        if settings.allowPrivateURLs {
            logger.warning(
                "HERALD_ALLOW_PRIVATE_URLS=true: supporters' URLs may make this process reach loopback, private and link-local addresses; use it only for tests and demos")
        }

        // Order matters: on shutdown the group stops services last-to-first, so the HTTP server
        // stops accepting and finishes its requests before the batcher flushes and exits.
        var services: [any Service] = []
        // Listed last so it hears SIGTERM first: /readyz turns 503 before anything stops.
        var drain: GatewayDrain?
        // Admin calls and subscription retries are rare: two libcurl threads of their own serve the
        // gateway's token checks and subscriptions and the workers' subscription retries.
        let graphClient = HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(10), threadCount: 2))
        defer { graphClient.shutdown() }
        // Token checks wait 10 s at most (then the token is stored unchecked), subscriptions as
        // long (then the call counts as a transient failure).
        let graph = graphCalls(settings, client: graphClient)
        if roles.contains(.serve) {
            let metrics = GatewayMetrics(factory: metricsFactory)
            let batcher = WebhookBatcher(database: database, metrics: metrics, logger: logger)
            let changes = ChangeStream(database: database, pool: pool, logger: logger)
            let connections = GatewayConnections(
                limits: .init(
                    readTimeout: .seconds(settings.readTimeoutSeconds), idleTimeout: .seconds(settings.idleTimeoutSeconds),
                    maxConnections: settings.maxConnections),
                metrics: metrics)
            drain = GatewayDrain(connections: connections, logger: logger)
            let application = GatewayApplication.makeApplication(
                configuration: .init(
                    host: settings.host, port: settings.port, appSecret: Array(settings.appSecret.utf8),
                    verifyToken: settings.verifyToken, apiToken: settings.apiToken, adminToken: settings.adminToken,
                    maxBodyBytes: settings.maxBodyBytes, maxSendAttempts: settings.maxAttempts,
                    tokenKey: settings.tokenKey, retryBase: .seconds(settings.retryBaseSeconds),
                    urlPolicy: settings.urlPolicy),
                pool: pool, migrator: migrator, batcher: batcher, changes: changes, registry: registry, metrics: metrics,
                logger: logger, tokenChecker: graph, pageSubscriber: graph, senderActions: senderActions(settings),
                connections: connections)
            services += [batcher, application, changes]
        }
        if roles.contains(.work) {
            services += makeWorkers(
                settings: settings, database: database, pool: pool, subscriber: graph,
                logger: logger)
            // `herald run` exports everything on the gateway's /metrics; `herald work` needs its own port.
            if !roles.contains(.serve), let port = settings.metricsPort {
                services.append(
                    MetricsServer.makeApplication(host: settings.host, port: port, registry: registry, logger: logger))
            }
        }
        if let drain { services.append(drain) }
        if services.isEmpty { services.append(IdleService()) }

        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info("herald started", metadata: ["herald.roles": "\(roles.names)"])
        try await group.run()
        logger.info("herald stopped")
    }

    /// The worker services of `herald work`: webhook ingest, scheduled jobs, and the listener
    /// that wakes them when the gateway or another process announces work.
    private func makeWorkers(
        settings: HeraldSettings, database: PostgresConfiguration, pool: PostgresPool, subscriber: any PageSubscriber,
        logger: Logger
    ) -> [any Service] {
        let clock = SystemClock()
        let jobQueue = JobQueue()
        let outbound = OutboundStore(jobQueue: jobQueue, maxAttempts: settings.maxAttempts)
        let blockedURLs = BlockedURLs(outbound: outbound, probeInterval: TimeInterval(settings.urlProbeSeconds))
        var ingestOptions = WebhookIngestor.Options(maxAttempts: settings.maxAttempts)
        ingestOptions.profileRefresh = ProfileRefresh(
            jobQueue: jobQueue, refreshAfter: TimeInterval(settings.profileRefreshDays) * 86_400,
            maxAttempts: settings.maxAttempts)
        let ingestor = WebhookIngestor(
            options: ingestOptions, jobQueue: jobQueue, autoResend: settings.autoResendOnReply ? outbound : nil)
        let ingest = IngestWorker(pool: pool, ingestor: ingestor, clock: clock, logger: logger)
        let scheduled = ScheduledJobWorker(
            pool: pool, jobQueue: jobQueue, clock: clock, lease: .seconds(settings.jobLeaseSeconds),
            blockedURLs: blockedURLs,
            webhookRetention: WebhookRetention(period: TimeInterval(settings.webhookRetentionDays) * 86_400),
            subscriber: subscriber,
            subscription: PageSubscription(
                jobQueue: jobQueue, maxAttempts: settings.maxAttempts, retryBase: .seconds(settings.retryBaseSeconds),
                tokenKey: settings.tokenKey),
            workerID: Self.workerID, logger: logger)
        let send = SendWorker(
            database: database,
            settings: .init(
                graphURL: settings.graphURL, graphVersion: settings.graphVersion, appSecret: settings.appSecret.isEmpty ? nil : Array(settings.appSecret.utf8),
                concurrency: settings.concurrency, lease: .seconds(settings.jobLeaseSeconds),
                retryBase: .seconds(settings.retryBaseSeconds), urlPolicy: settings.urlPolicy, tokenKey: settings.tokenKey,
                blockedURLs: blockedURLs),
            jobQueue: jobQueue, clock: clock, logger: logger)
        let profiles = makeProfileWorker(settings: settings, database: database, jobQueue: jobQueue, clock: clock, logger: logger)
        let wakeUps = WakeUpListener(
            configuration: database,
            routes: [
                WebhookEventStore.notifyChannel: [{ ingest.wake() }],
                jobQueue.notifyChannel: [{ scheduled.wake() }, { send.wake() }, { profiles.wake() }],
            ],
            logger: logger)
        return [wakeUps, ingest, scheduled, send, profiles]
    }

    /// The `fetch_profile` pool (customer names and pictures from the User Profile API).
    private func makeProfileWorker(
        settings: HeraldSettings, database: PostgresConfiguration, jobQueue: JobQueue, clock: any HeraldClock,
        logger: Logger
    ) -> ProfileWorker {
        ProfileWorker(
            database: database,
            settings: .init(
                graphURL: settings.graphURL, graphVersion: settings.graphVersion,
                appSecret: settings.appSecret.isEmpty ? nil : Array(settings.appSecret.utf8),
                lease: .seconds(settings.jobLeaseSeconds), retryBase: .seconds(settings.retryBaseSeconds),
                tokenKey: settings.tokenKey),
            jobQueue: jobQueue, clock: clock, logger: logger)
    }

    /// Graph's non-send calls (token checks, subscriptions, sender actions) over `client`.
    private func graphCalls(_ settings: HeraldSettings, client: HTTPClient) -> GraphHTTPClient {
        GraphHTTPClient(
            graphBaseURL: settings.graphURL, version: settings.graphVersion,
            appSecret: settings.appSecret.isEmpty ? nil : Array(settings.appSecret.utf8), client: client)
    }

    /// Sends `/v1/…/actions` to Graph on two libcurl threads of their own, 5 s at most each: a
    /// typing indicator that late is worthless, and the supporter's request waits for it.
    private func senderActions(_ settings: HeraldSettings) -> GraphHTTPClient {
        graphCalls(settings, client: HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(5), threadCount: 2)))
    }

    /// Names this process in `jobs.locked_by`, so operators can tell whose lease a job holds.
    static let workerID = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"

    /// A gateway may start before `herald migrate` has run (readiness reports it); say so loudly.
    private func warnAboutPendingMigrations(pool: PostgresPool, migrator: Migrator, logger: Logger) async {
        do {
            let pending = try await pool.withConnection { try migrator.pendingMigrations($0) }
            if !pending.isEmpty {
                logger.warning(
                    "database has pending migrations; run `herald migrate`",
                    metadata: ["herald.migrations.pending": "\(pending.map(\.version))"])
            }
        } catch {
            logger.warning("database not reachable at start; will keep retrying", metadata: ["herald.error": "\(error)"])
        }
    }
}

/// Keeps a process with nothing else to run alive until shutdown.
struct IdleService: Service {
    func run() async throws {
        try await gracefulShutdown()
    }
}

extension HeraldSettings {
    /// `HERALD_ALLOW_PRIVATE_URLS` as the gateway's and the size check's address policy.
    var urlPolicy: AddressPolicy { allowPrivateURLs ? .anyAddress : .publicOnly }
}

extension Setting.Roles {
    var names: String {
        [(Setting.Roles.serve, "serve"), (.work, "work"), (.migrate, "migrate")]
            .filter { contains($0.0) }.map(\.1).joined(separator: "+")
    }
}
