import Foundation
import Postgres
import TestSupport
import Testing

/// What tests that run the real `herald` executable share: where it is, a connected page, and
/// the environment pointing a `herald work` at a test schema and a fake-graph.
enum HeraldProcessSupport {
    static let page = "104857600012345"

    /// A debug executable that `scripts/test` builds (`herald` unless named); records an issue
    /// when it is missing.
    static func binary(_ name: String = "herald", sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = RepositoryPaths.root.appendingPathComponent(".build/debug/\(name)").path
        try #require(
            FileManager.default.isExecutableFile(atPath: path), "build \(name) first (scripts/test does)",
            sourceLocation: sourceLocation)
        return path
    }

    /// Connects `page` with a plain token.
    static func connectPage(_ connection: PostgresConnection) throws {
        try connection.query(
            "INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', $2, now())",
            [page, Array("token".utf8)])
    }

    /// This process's environment plus what `herald work` needs for `schema` and `graphURL`.
    static func environment(schema: TestSchema, graphURL: String) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HERALD_DATABASE_URL"] = try TestDatabase.url() + "?options=-c%20search_path%3D\(schema.name)"
        environment["HERALD_GRAPH_URL"] = graphURL
        environment["HERALD_MIGRATIONS_DIR"] = RepositoryPaths.sql.path
        environment["HERALD_LOG_LEVEL"] = "warning"
        return environment
    }
}
