import Curl
import Foundation
import Postgres
import Workers

/// Everything a `herald serve` / `work` / `run` process is built from: the settings the CLI
/// reads from the environment (`HERALD_*`, documented in the README), as typed values, plus the
/// intervals tests shorten. Defaults are the environment's defaults; nothing here reads the
/// environment.
public struct HeraldConfiguration: Sendable {
    /// `HERALD_DATABASE_URL`.
    public var database: PostgresConfiguration
    /// `HERALD_DB_POOL_SIZE`: pooled connections for API queries and maintenance. Default: 8.
    public var databasePoolSize = 8
    /// `HERALD_HOST` / `HERALD_PORT`: where the gateway (or `work`'s metrics listener) listens.
    public var host = "127.0.0.1"
    public var port = 8080
    /// `HERALD_APP_SECRET`: verifies webhook signatures and signs `appsecret_proof` (empty: none).
    public var appSecret: [UInt8] = []
    /// `HERALD_VERIFY_TOKEN`, `HERALD_API_TOKEN`, `HERALD_ADMIN_TOKEN`.
    public var verifyToken = ""
    public var apiToken = ""
    public var adminToken = ""
    /// `HERALD_TOKEN_KEY`: seals page tokens at rest. Default: nil (stored plain).
    public var tokenKey: [UInt8]?
    /// `HERALD_GRAPH_URL`, `HERALD_GRAPH_VERSION`.
    public var graphURL = "https://graph.facebook.com"
    public var graphVersion = "v25.0"
    /// `HERALD_CONCURRENCY` (or `--concurrency`): send threads. Default: 4.
    public var concurrency = 4
    /// `HERALD_JOB_LEASE_SECONDS`. Default: 30 s.
    public var jobLease: Duration = .seconds(30)
    /// `HERALD_RETRY_BASE_SECONDS`: retry n waits base × 4^(n−1) ± 20 %. Default: 10 s.
    public var retryBase: Duration = .seconds(10)
    /// `HERALD_MAX_ATTEMPTS`: of sends, subscriptions and webhook events. Default: 8.
    public var maxAttempts = 8
    /// `HERALD_PROFILE_REFRESH_DAYS`, as a period: a customer's profile is fetched again on their
    /// next activity once it is older. Default: 7 days.
    public var profileRefresh: TimeInterval = 7 * 86_400
    /// `HERALD_URL_PROBE_SECONDS`: a blocked URL's first probe. Default: 900 s.
    public var urlProbeInterval: TimeInterval = 900
    /// `HERALD_AUTO_RESEND_ON_REPLY`. Default: false.
    public var autoResendOnReply = false
    /// `HERALD_ALLOW_PRIVATE_URLS`. Default: false (public addresses only).
    public var allowPrivateURLs = false
    /// `HERALD_METRICS_PORT`: `herald work`'s own `/metrics` and `/healthz`. Default: none.
    public var metricsPort: Int?
    /// `HERALD_WEBHOOK_RETENTION_DAYS`, as a period. Default: 30 days.
    public var webhookRetention: TimeInterval = 30 * 86_400
    /// `HERALD_MAX_BODY_BYTES`. Default: 4 MiB.
    public var maxBodyBytes = 4 << 20
    /// `HERALD_READ_TIMEOUT_SECONDS`, `HERALD_IDLE_TIMEOUT_SECONDS`, `HERALD_MAX_CONNECTIONS`.
    public var readTimeout: Duration = .seconds(30)
    public var idleTimeout: Duration = .seconds(60)
    public var maxConnections = 10_000
    /// How often the worker services look for work without a NOTIFY, and run maintenance.
    public var intervals = Intervals()

    public init(database: PostgresConfiguration) {
        self.database = database
    }

    /// `HERALD_ALLOW_PRIVATE_URLS` as the gateway's and the size check's address policy.
    public var urlPolicy: AddressPolicy { allowPrivateURLs ? .anyAddress : .publicOnly }

    /// The app secret for Graph's `appsecret_proof`; nil when unset.
    var graphAppSecret: [UInt8]? { appSecret.isEmpty ? nil : appSecret }

    /// Poll fallbacks (NOTIFY wakes the workers at once) and maintenance intervals; not settings
    /// an operator changes, but tests shorten them.
    public struct Intervals: Sendable {
        /// Ingest loops without a NOTIFY. Default: 2 s.
        public var ingestPoll: Duration = .seconds(2)
        /// Job and send threads without a NOTIFY. Default: 1 s.
        public var jobPoll: Duration = .seconds(1)
        /// `LeaseRescuer`. Default: 1 s.
        public var leaseRescue = LeaseRescuer.defaultInterval
        /// `BlockedURLProber`. Default: 1 s.
        public var urlProbeCheck = BlockedURLProber.defaultInterval
        /// `QueueGauges`. Default: 5 s.
        public var gauges = QueueGauges.defaultInterval
        /// `JobPruner`, `WebhookPruner`, `ChangeLogPruner`. Default: 60 s.
        public var pruning = JobPruner.defaultInterval

        public init() {}
    }
}
