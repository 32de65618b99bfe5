import Foundation
import HeraldApp
import Metrics
import Postgres
import Prometheus

/// A long-running `herald` process: reads the environment, bootstraps logging and metrics, and
/// runs what `HeraldApplication` (the composition root) builds for `roles`.
struct HeraldProcess {
    var roles: Setting.Roles
    var concurrency: Int? = nil

    func run() async throws {
        var settings = try Startup.settings(for: roles)
        if let concurrency { settings.concurrency = concurrency }
        let logger = Startup.bootstrapLogging(settings, label: "herald")
        let metricsFactory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        MetricsSystem.bootstrap(metricsFactory)
        var applicationRoles: HeraldApplication.Roles = []
        if roles.contains(.serve) { applicationRoles.insert(.serve) }
        if roles.contains(.work) { applicationRoles.insert(.work) }
        try await HeraldApplication(
            configuration: settings.configuration, roles: applicationRoles,
            migrations: try Startup.migrations(settings),
            metricsFactory: metricsFactory, logger: logger
        ).run()
    }
}

extension HeraldSettings {
    /// The settings as the composition root takes them.
    var configuration: HeraldConfiguration {
        var configuration = HeraldConfiguration(
            database: PostgresConfiguration(connectionString: databaseURL, connectTimeoutSeconds: 2))
        configuration.databasePoolSize = databasePoolSize
        configuration.host = host
        configuration.port = port
        configuration.appSecret = Array(appSecret.utf8)
        configuration.verifyToken = verifyToken
        configuration.apiToken = apiToken
        configuration.adminToken = adminToken
        configuration.tokenKey = tokenKey
        configuration.graphURL = graphURL
        configuration.graphVersion = graphVersion
        configuration.concurrency = concurrency
        configuration.jobLease = .seconds(jobLeaseSeconds)
        configuration.retryBase = .seconds(retryBaseSeconds)
        configuration.maxAttempts = maxAttempts
        configuration.profileRefresh = TimeInterval(profileRefreshDays) * 86_400
        configuration.urlProbeInterval = TimeInterval(urlProbeSeconds)
        configuration.autoResendOnReply = autoResendOnReply
        configuration.allowPrivateURLs = allowPrivateURLs
        configuration.metricsPort = metricsPort
        configuration.webhookRetention = TimeInterval(webhookRetentionDays) * 86_400
        configuration.maxBodyBytes = maxBodyBytes
        configuration.readTimeout = .seconds(readTimeoutSeconds)
        configuration.idleTimeout = .seconds(idleTimeoutSeconds)
        configuration.maxConnections = maxConnections
        return configuration
    }
}
