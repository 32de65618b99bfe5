import Hummingbird
import NIOCore
import Postgres
import Prometheus

/// `GET /healthz`, `GET /readyz`, `GET /metrics`.
struct HealthRoutes: Sendable {
    let pool: PostgresPool
    let migrator: Migrator
    let registry: PrometheusCollectorRegistry
    let connections: GatewayConnections

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("healthz") { _, _ in Self.json(#"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in try await readiness() }
        router.get("metrics") { _, _ in Self.metrics(registry) }
    }

    /// Ready when the database answers and every migration this build knows is applied, until
    /// graceful shutdown begins: from then on 503 `shutting_down`, so load balancers stop
    /// sending while the listener still accepts (`GatewayDrain`).
    func readiness() async throws -> Response {
        guard !connections.isDraining else {
            throw APIError.unavailable(code: .shuttingDown, message: "this server is shutting down; use another one")
        }
        let pending: [Int]
        do {
            pending = try await pool.withConnection { [migrator] in try migrator.pendingMigrations($0).map(\.version) }
        } catch {
            throw APIError.unavailable(code: .databaseUnavailable, message: "the database cannot be reached")
        }
        guard pending.isEmpty else {
            throw APIError.unavailable(
                code: .migrationsPending, message: "migrations \(pending) are not applied; run herald migrate",
                retryAfterSeconds: 5)
        }
        return Self.json(#"{"status":"ready"}"#)
    }

    /// Everything the process's metrics registry holds, in Prometheus text format.
    static func metrics(_ registry: PrometheusCollectorRegistry) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    static func json(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
