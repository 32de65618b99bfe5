import Gateway
import HeraldCore
import Logging
import Postgres
import Prometheus
import ServiceLifecycle

/// The gateway of `herald serve` (and `herald run`), built from a `HeraldConfiguration`: the
/// webhook batcher, the HTTP application and the change stream, plus the drain that turns
/// `/readyz` to 503 when shutdown begins.
public struct GatewayServices: Sendable {
    /// Batcher, application, change stream, in that order: on shutdown the group stops services
    /// last-to-first, so the HTTP server stops accepting and finishes its requests before the
    /// batcher flushes and exits.
    public let services: [any Service]
    /// List it last in the group, so it hears SIGTERM first: `/readyz` turns 503 before anything stops.
    public let drain: GatewayDrain

    public init(
        configuration: HeraldConfiguration, pool: PostgresPool, migrator: Migrator,
        metricsFactory: PrometheusMetricsFactory,
        tokenChecker: (any PageTokenChecker)?, pageSubscriber: (any PageSubscriber)?,
        senderActions: (any SenderActionSender)?, logger: Logger
    ) {
        let database = configuration.database
        let metrics = GatewayMetrics(factory: metricsFactory)
        let batcher = WebhookBatcher(database: database, metrics: metrics, logger: logger)
        let changes = ChangeStream(database: database, pool: pool, logger: logger)
        let connections = GatewayConnections(
            limits: .init(
                readTimeout: configuration.readTimeout, idleTimeout: configuration.idleTimeout,
                maxConnections: configuration.maxConnections),
            metrics: metrics)
        drain = GatewayDrain(connections: connections, logger: logger)
        let application = GatewayApplication.makeApplication(
            configuration: .init(
                host: configuration.host, port: configuration.port, appSecret: configuration.appSecret,
                verifyToken: configuration.verifyToken, apiToken: configuration.apiToken,
                adminToken: configuration.adminToken, maxBodyBytes: configuration.maxBodyBytes,
                maxSendAttempts: configuration.maxAttempts, tokenKey: configuration.tokenKey,
                retryBase: configuration.retryBase, urlPolicy: configuration.urlPolicy),
            pool: pool, migrator: migrator, batcher: batcher, changes: changes, registry: metricsFactory.registry,
            metrics: metrics, logger: logger, tokenChecker: tokenChecker, pageSubscriber: pageSubscriber,
            senderActions: senderActions, connections: connections)
        services = [batcher, application, changes]
    }
}
