import ArgumentParser
import Foundation
import Logging
import Postgres

/// What every subcommand does first: read and validate the environment, set up logging, find
/// the migrations. The only place in Herald that reads environment variables.
enum Startup {
    /// Reads the settings `roles` need; on any problem prints one line per variable and exits 78.
    static func settings(for roles: Setting.Roles) throws -> HeraldSettings {
        do {
            return try HeraldSettings.load(from: ProcessInfo.processInfo.environment, for: roles)
        } catch {
            StandardErrorLines.write("herald: invalid configuration:\n")
            for problem in error.problems { StandardErrorLines.write("  \(problem)\n") }
            throw ExitCode(78)  // EX_CONFIG
        }
    }

    /// Logs to standard error at the configured level, with structured metadata: readable text
    /// lines, or one JSON object per line (`HERALD_LOG_FORMAT=json`).
    static func bootstrapLogging(_ settings: HeraldSettings, label: String) -> Logger {
        let level = settings.logLevel
        switch settings.logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return Logger(label: label)
    }

    /// Loads the migrations from `HERALD_MIGRATIONS_DIR`, `./sql`, a `sql/` folder above the
    /// executable (a checkout's `.build/…/herald`), or `/usr/share/herald/sql`.
    static func migrations(_ settings: HeraldSettings) throws -> [Migration] {
        if let directory = settings.migrationsDirectory {
            return try Migration.load(from: URL(fileURLWithPath: directory))
        }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sql")]
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent("sql"))
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: "/usr/share/herald/sql"))
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("0001_initial.sql").path) {
            return try Migration.load(from: candidate)
        }
        throw ValidationError("no migrations folder found; set \(Setting.migrationsDirectory.name)")
    }
}
