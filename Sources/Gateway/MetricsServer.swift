import Hummingbird
import Logging
import NIOCore
import Postgres
import Prometheus

/// The HTTP listener of a process without the gateway (`herald work`): `GET /metrics` in
/// Prometheus text and `GET /healthz`, nothing else, so workers can be scraped and probed.
public enum MetricsServer {
    public static func makeApplication(
        host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("healthz") { _, _ in HealthRoutes.json(#"{"status":"ok"}"#) }
        router.get("metrics") { _, _ in HealthRoutes.metrics(registry) }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: onServerRunning, logger: logger)
    }
}
