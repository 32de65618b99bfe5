import Foundation
import Postgres

/// A throwaway Postgres cluster of a test's own, for tests that stop or restart the server
/// (doing that to the shared test database would break every test running in parallel).
///
/// Started through `scripts/db` with its own folder and port, so it is the same embedded setup as
/// production's default.
public final class TestCluster: Sendable {
    public let port: Int
    public let directory: String
    public let url: String

    public struct ScriptFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts a cluster named `name` (its folder is reused across runs, so only the first is slow).
    public init(name: String) throws {
        // Suites of several checkouts may run at once, each on its own database port: the
        // throwaway cluster is theirs alone too.
        let key = "\(name)-\(ProcessInfo.processInfo.environment["HERALD_DB_PORT"] ?? "default")"
        // A port per key, below Linux's ephemeral range (32768–60999): a port in it can be held by
        // one of the suite's own outgoing connections at the moment the cluster binds.
        port = 28_000 + Int(UInt32(truncatingIfNeeded: key.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }) % 4000)
        directory = "/tmp/herald-test-cluster-\(key)"
        url = "postgresql://postgres@127.0.0.1:\(port)/herald"
        try run("start")
    }

    public var configuration: PostgresConfiguration {
        PostgresConfiguration(connectionString: url, applicationName: "herald-tests", connectTimeoutSeconds: 2)
    }

    public func stop() throws { try run("stop") }
    public func start() throws { try run("start") }
    public func restart() throws { try run("restart") }

    private func run(_ command: String) throws {
        let script =
            ProcessInfo.processInfo.environment["HERALD_TEST_DB_SCRIPT"]
            ?? RepositoryPaths.scripts.appendingPathComponent("db").path
        var environment = ProcessInfo.processInfo.environment
        environment["HERALD_DB_DIR"] = directory
        environment["HERALD_DB_PORT"] = String(port)
        let (status, output) = try ChildProcess.run(script, [command], environment: environment)
        guard status == 0 else {
            throw ScriptFailed(description: "scripts/db \(command) exited \(status): \(output)")
        }
    }
}
