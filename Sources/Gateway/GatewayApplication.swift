import Curl
import HeraldCore
import Hummingbird
import Logging
import Messenger
import NIOCore
import Postgres
import Prometheus

/// Herald's HTTP gateway on Hummingbird: routes, middleware and the webhook batcher, assembled.
public enum GatewayApplication {
    /// What the gateway needs; the CLI builds it from the environment.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var appSecret: [UInt8]
        public var verifyToken: String
        /// The service token for `/v1` (an integration, attributed as `api`); supporters use their own.
        public var apiToken: String
        /// Bearer token for `/admin`.
        public var adminToken: String
        /// Largest webhook body accepted. Default: 4 MiB.
        public var maxBodyBytes: Int
        /// Attempts a supporter's message gets before it fails (`HERALD_MAX_ATTEMPTS`). Default: 8.
        public var maxSendAttempts: Int
        /// `HERALD_TOKEN_KEY` (32 bytes): page tokens are stored sealed with it. Default: nil (stored plain).
        public var tokenKey: [UInt8]?
        /// `HERALD_RETRY_BASE_SECONDS`: when a page subscription fails for now, its job retries after
        /// this (then × 4 per attempt). Default: 10 s.
        public var retryBase: Duration
        /// Where the URLs of posted messages may point (`HERALD_ALLOW_PRIVATE_URLS`): a URL field
        /// whose host is an address literal it refuses is stored failed `invalid_format`, "URL is
        /// not publicly reachable". Default: public addresses only.
        public var urlPolicy: AddressPolicy

        public init(
            host: String, port: Int, appSecret: [UInt8], verifyToken: String, apiToken: String = "",
            adminToken: String = "", maxBodyBytes: Int = 4 << 20, maxSendAttempts: Int = 8, tokenKey: [UInt8]? = nil,
            retryBase: Duration = .seconds(10), urlPolicy: AddressPolicy = .publicOnly
        ) {
            self.retryBase = retryBase
            self.urlPolicy = urlPolicy
            self.tokenKey = tokenKey
            self.maxSendAttempts = maxSendAttempts
            self.host = host
            self.port = port
            self.appSecret = appSecret
            self.verifyToken = verifyToken
            self.apiToken = apiToken
            self.adminToken = adminToken
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// Builds the application. Run it, with `batcher` and `changes`, in one `ServiceGroup` in the
    /// order batcher, application, changes: on shutdown the change stream ends the open streams
    /// first, then the server stops, then the batcher flushes.
    ///
    /// `clock` is "now" for the 24-hour rules the API reports (window, inactivity, resend).
    /// `tokenChecker` shows new page tokens to Graph before they are stored; nil stores them unchecked.
    /// `senderActions` sends `/actions` to Graph; nil answers them 503.
    /// `pageSubscriber` subscribes connected pages to the app's webhooks (retried by `subscribe_page`
    /// jobs); nil leaves subscriptions alone.
    /// `connections` holds every connection to its `ConnectionLimits` and tells `/readyz` when the
    /// gateway drains; run a `GatewayDrain` over the same object, last in the group, for that.
    /// nil: the default limits, and readiness never drains.
    public static func makeApplication(
        configuration: Configuration, pool: PostgresPool, migrator: Migrator, batcher: WebhookBatcher,
        changes: ChangeStream, registry: PrometheusCollectorRegistry, metrics: GatewayMetrics, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
        clock: any HeraldClock = SystemClock(), tokenChecker: (any PageTokenChecker)? = nil,
        pageSubscriber: (any PageSubscriber)? = nil, senderActions: (any SenderActionSender)? = nil,
        connections: GatewayConnections? = nil
    ) -> some ApplicationProtocol {
        let connections = connections ?? GatewayConnections(metrics: metrics)
        let router = Router()
        router.middlewares.add(RequestMetricsMiddleware(metrics: metrics))
        router.middlewares.add(JSONErrorMiddleware())
        let intake = WebhookIntake(
            signature: WebhookSignature(appSecret: configuration.appSecret),
            maxBodyBytes: configuration.maxBodyBytes, batcher: batcher, metrics: metrics)
        WebhookRoutes(verifyToken: configuration.verifyToken, intake: intake).add(to: router)
        HealthRoutes(pool: pool, migrator: migrator, registry: registry, connections: connections).add(to: router)
        StaticRoutes().add(to: router)
        let supporters = SupporterAuthenticator(pool: pool, clock: clock)
        // Everything under /v1 needs the API token or a supporter's; the middleware applies to
        // routes added after it.
        let v1 = router.group("v1").add(
            middleware: BearerAuthMiddleware(token: configuration.apiToken, door: .v1, supporters: supporters))
        V1Routes(pool: pool, clock: clock).add(to: v1)
        V1MeRoutes().add(to: v1)
        V1StreamRoutes(changes: changes, supporters: supporters).add(to: v1)
        let outbound = OutboundStore(maxAttempts: configuration.maxSendAttempts)
        V1SendRoutes(pool: pool, clock: clock, outbound: outbound, urlPolicy: configuration.urlPolicy).add(to: v1)
        V1ActionRoutes(
            pool: pool, clock: clock, store: SenderActionStore(tokenKey: configuration.tokenKey), sender: senderActions,
            metrics: metrics
        ).add(to: v1)
        // Everything under /admin needs the admin token (the API token does not open it; a
        // supporter's is answered 403).
        let admin = router.group("admin").add(
            middleware: BearerAuthMiddleware(token: configuration.adminToken, door: .admin, supporters: supporters))
        let subscription = pageSubscriber.map { _ in
            PageSubscription(maxAttempts: configuration.maxSendAttempts, retryBase: configuration.retryBase)
        }
        AdminPageRoutes(
            pool: pool, clock: clock,
            store: PageStore(
                outbound: outbound, subscription: subscription,
                profiles: ProfileRefresh(maxAttempts: configuration.maxSendAttempts)),
            tokenKey: configuration.tokenKey, tokenChecker: tokenChecker, subscriber: pageSubscriber, logger: logger
        ).add(to: admin)
        AdminBlockedURLRoutes(pool: pool, clock: clock, blockedURLs: BlockedURLs(outbound: outbound)).add(to: admin)
        AdminWebhookEventRoutes(pool: pool).add(to: admin)
        AdminSupporterRoutes(pool: pool, clock: clock).add(to: admin)
        return Application(
            router: router,
            // Both made anew for each connection; the guard first, so its deadlines cover the fast path.
            server: .http1(
                configuration: .init(additionalChannelHandlers: [
                    ConnectionGuardHandler(connections: connections),
                    WebhookChannelHandler(intake: intake, logger: logger),
                ])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: onServerRunning,
            logger: logger)
    }
}
