import ArgumentParser
import Foundation
import Logging
import Postgres

/// `herald migrate`: applies pending `sql/NNNN_name.sql` migrations under an advisory lock.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (safe to run from several processes at once).",
        discussion: Setting.helpText(for: .migrate)
    )

    func run() async throws {
        let settings = try Startup.settings(for: .migrate)
        let logger = Startup.bootstrapLogging(settings, label: "herald.migrate")
        let migrator = Migrator(migrations: try Startup.migrations(settings))
        let configuration = PostgresConfiguration(
            connectionString: settings.databaseURL, applicationName: "herald-migrate")
        let applied = try await Task.detached {
            try migrator.migrate(PostgresConnection(configuration: configuration))
        }.value
        logger.info(
            "migrations applied",
            metadata: [
                "herald.migrations.applied": "\(applied)", "herald.migrations.known": "\(migrator.migrations.count)",
            ])
    }
}
