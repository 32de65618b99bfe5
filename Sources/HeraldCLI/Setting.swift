/// One environment variable Herald reads: its name, default and meaning, written once and used
/// for validation, `--help` and the README's configuration table alike.
struct Setting: Sendable {
    /// Which processes need the setting.
    struct Roles: OptionSet, Sendable {
        let rawValue: Int
        static let migrate = Roles(rawValue: 1)
        static let serve = Roles(rawValue: 2)
        static let work = Roles(rawValue: 4)
        /// `herald status`: reads the database, nothing else.
        static let status = Roles(rawValue: 8)
        static let all: Roles = [.migrate, .serve, .work, .status]
        /// The commands that run Herald or change its schema (everything but `status`).
        static let processes: Roles = [.migrate, .serve, .work]
    }

    let name: String
    /// nil: required (for `requiredBy`); otherwise the default shown in help.
    let defaultValue: String?
    let summary: String
    let usedBy: Roles
    let requiredBy: Roles

    static let databaseURL = Setting(
        name: "HERALD_DATABASE_URL", defaultValue: nil,
        summary: "libpq URL or conninfo of the Postgres database (scripts/run sets it to the embedded cluster)",
        usedBy: .all, requiredBy: .all)
    static let host = Setting(
        name: "HERALD_HOST", defaultValue: "127.0.0.1",
        summary: "address the HTTP gateway (and herald work's metrics listener) binds",
        usedBy: [.serve, .work], requiredBy: [])
    static let port = Setting(
        name: "HERALD_PORT", defaultValue: "8080", summary: "port the HTTP gateway binds (1-65535)",
        usedBy: .serve, requiredBy: [])
    static let appSecret = Setting(
        name: "HERALD_APP_SECRET", defaultValue: nil,
        summary: "Facebook App Secret: verifies X-Hub-Signature-256 and signs appsecret_proof",
        usedBy: [.serve, .work], requiredBy: .serve)
    static let verifyToken = Setting(
        name: "HERALD_VERIFY_TOKEN", defaultValue: nil,
        summary: "token typed in the App Dashboard for the GET /webhook handshake",
        usedBy: .serve, requiredBy: .serve)
    static let apiToken = Setting(
        name: "HERALD_API_TOKEN", defaultValue: nil,
        summary: "service token for /v1 (integrations; people use supporter accounts)",
        usedBy: .serve, requiredBy: .serve)
    static let adminToken = Setting(
        name: "HERALD_ADMIN_TOKEN", defaultValue: nil, summary: "bearer token for /admin",
        usedBy: .serve, requiredBy: .serve)
    static let tokenKey = Setting(
        name: "HERALD_TOKEN_KEY", defaultValue: "(unset: page tokens stored unencrypted)",
        summary: "base64 of 32 bytes: AES-GCM key encrypting page tokens at rest",
        usedBy: [.serve, .work], requiredBy: [])
    static let graphURL = Setting(
        name: "HERALD_GRAPH_URL", defaultValue: "https://graph.facebook.com",
        summary: "base URL of the Graph API (point it at fake-graph for tests and demos)",
        usedBy: [.serve, .work], requiredBy: [])
    static let graphVersion = Setting(
        name: "HERALD_GRAPH_VERSION", defaultValue: "v25.0", summary: "Graph API version used in request paths",
        usedBy: [.serve, .work], requiredBy: [])
    static let concurrency = Setting(
        name: "HERALD_CONCURRENCY", defaultValue: "4", summary: "send threads per worker process (1-256)",
        usedBy: .work, requiredBy: [])
    static let jobLeaseSeconds = Setting(
        name: "HERALD_JOB_LEASE_SECONDS", defaultValue: "30",
        summary: "job lease; heartbeats renew it, so a crashed worker's jobs return within it",
        usedBy: .work, requiredBy: [])
    static let retryBaseSeconds = Setting(
        name: "HERALD_RETRY_BASE_SECONDS", defaultValue: "10",
        summary:
            "transient failures (sends, page subscriptions) retry after base x 4^(attempt-1) +/- 20 %, capped at one hour",
        usedBy: [.serve, .work], requiredBy: [])
    static let maxAttempts = Setting(
        name: "HERALD_MAX_ATTEMPTS", defaultValue: "8",
        summary: "attempts before a job is discarded (1-100); serve stamps it on the send jobs it queues",
        usedBy: [.serve, .work], requiredBy: [])
    static let profileRefreshDays = Setting(
        name: "HERALD_PROFILE_REFRESH_DAYS", defaultValue: "7",
        summary: "a customer's profile (name, picture) older than this is fetched again on their next activity (1-365)",
        usedBy: .work, requiredBy: [])
    static let urlProbeSeconds = Setting(
        name: "HERALD_URL_PROBE_SECONDS", defaultValue: "900",
        summary: "first retry of a message held back by a blocked URL; doubles per probe, up to a day",
        usedBy: .work, requiredBy: [])
    static let autoResendOnReply = Setting(
        name: "HERALD_AUTO_RESEND_ON_REPLY", defaultValue: "false",
        summary: "true: outside_window / recipient_unavailable messages are resent when the customer writes again",
        usedBy: .work, requiredBy: [])
    static let allowPrivateURLs = Setting(
        name: "HERALD_ALLOW_PRIVATE_URLS", defaultValue: "false",
        summary: "true: supporters' image/file/button URLs may lead to loopback, private and link-local addresses "
            + "(tests and demos on loopback only; logged as a warning at start-up)",
        usedBy: [.serve, .work], requiredBy: [])
    static let webhookRetentionDays = Setting(
        name: "HERALD_WEBHOOK_RETENTION_DAYS", defaultValue: "30",
        summary: "processed webhooks are kept this many days for replay, then pruned (1-3650)",
        usedBy: .work, requiredBy: [])
    static let metricsPort = Setting(
        name: "HERALD_METRICS_PORT", defaultValue: "(unset: no listener)",
        summary: "herald work: serve GET /metrics and /healthz on HERALD_HOST at this port",
        usedBy: .work, requiredBy: [])
    static let maxBodyBytes = Setting(
        name: "HERALD_MAX_BODY_BYTES", defaultValue: "4194304",
        summary: "largest webhook body accepted; larger ones get 413", usedBy: .serve, requiredBy: [])
    static let readTimeoutSeconds = Setting(
        name: "HERALD_READ_TIMEOUT_SECONDS", defaultValue: "30",
        summary:
            "a request's headers and body must arrive within this many seconds, else the connection is closed (1-3600)",
        usedBy: .serve, requiredBy: [])
    static let idleTimeoutSeconds = Setting(
        name: "HERALD_IDLE_TIMEOUT_SECONDS", defaultValue: "60",
        summary: "a keep-alive connection with no request for this many seconds is closed (1-3600)",
        usedBy: .serve, requiredBy: [])
    static let maxConnections = Setting(
        name: "HERALD_MAX_CONNECTIONS", defaultValue: "10000",
        summary: "open HTTP connections per gateway process; more are closed at once and counted (1-1000000)",
        usedBy: .serve, requiredBy: [])
    static let databasePoolSize = Setting(
        name: "HERALD_DB_POOL_SIZE", defaultValue: "8", summary: "Postgres connections per process for API queries",
        usedBy: [.serve, .work], requiredBy: [])
    static let migrationsDirectory = Setting(
        name: "HERALD_MIGRATIONS_DIR", defaultValue: "./sql, sql/ above the executable, or /usr/share/herald/sql",
        summary: "folder of NNNN_name.sql migrations", usedBy: .processes, requiredBy: [])
    static let logLevel = Setting(
        name: "HERALD_LOG_LEVEL", defaultValue: "info",
        summary: "trace, debug, info, notice, warning, error or critical", usedBy: .processes, requiredBy: [])
    static let logFormat = Setting(
        name: "HERALD_LOG_FORMAT", defaultValue: "text",
        summary: "text (one readable line per entry) or json (one JSON object per line); logs go to stderr",
        usedBy: .processes, requiredBy: [])

    static let all: [Setting] = [
        databaseURL, host, port, appSecret, verifyToken, apiToken, adminToken, tokenKey, graphURL, graphVersion,
        concurrency, jobLeaseSeconds, retryBaseSeconds, maxAttempts, profileRefreshDays, urlProbeSeconds,
        autoResendOnReply, allowPrivateURLs, webhookRetentionDays, metricsPort, maxBodyBytes,
        readTimeoutSeconds, idleTimeoutSeconds, maxConnections, databasePoolSize,
        migrationsDirectory, logLevel, logFormat,
    ]

    /// The help text listing every setting a role reads.
    static func helpText(for roles: Roles) -> String {
        let lines = all.filter { !$0.usedBy.isDisjoint(with: roles) }.map { setting in
            let requirement =
                setting.requiredBy.isDisjoint(with: roles)
                ? "default: \(setting.defaultValue ?? "none")" : "required"
            return "\(setting.name) (\(requirement)): \(setting.summary)."
        }
        return "Configuration (environment variables):\n" + lines.joined(separator: "\n")
    }
}
