import Logging
import Postgres
import ServiceLifecycle
import UnixSignals

/// A long-running `herald` process: the gateway, the workers, or both, as one `ServiceGroup`
/// that stops gracefully on SIGTERM or SIGINT.
struct HeraldProcess {
    var roles: Setting.Roles
    var concurrency: Int? = nil

    func run() async throws {
        var settings = try Startup.settings(for: roles)
        if let concurrency { settings.concurrency = concurrency }
        let logger = Startup.bootstrapLogging(settings, label: "herald")
        let pool = PostgresPool(
            configuration: PostgresConfiguration(connectionString: settings.databaseURL),
            options: .init(maxConnections: settings.databasePoolSize),
            logger: logger)
        defer { pool.close() }

        let migrator = Migrator(migrations: try Startup.migrations(settings))
        let pending = try await pool.withConnection { try migrator.pendingMigrations($0) }
        if !pending.isEmpty {
            logger.warning(
                "database has pending migrations; run `herald migrate`",
                metadata: ["herald.migrations.pending": "\(pending.map(\.version))"])
        }

        let services: [any Service] = [IdleService()]
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info("herald started", metadata: ["herald.roles": "\(roles.rawValue)"])
        try await group.run()
        logger.info("herald stopped")
    }
}

/// Keeps the process alive until shutdown while the gateway and workers are not wired in yet.
struct IdleService: Service {
    func run() async throws {
        try await gracefulShutdown()
    }
}
