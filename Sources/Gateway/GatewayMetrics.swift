import CoreMetrics
import Metrics
import Synchronization

/// The gateway's metrics, bound to an explicit factory so tests and processes each get their own
/// registry instead of a process-wide bootstrap.
public struct GatewayMetrics: Sendable {
    let factory: any MetricsFactory
    private let batchSize: Recorder
    private let commitLatency: Timer
    private let queueDepthGauge: Gauge
    private let openConnectionsGauge: Gauge
    private let refusedConnections: Counter
    private let readTimeouts: Counter
    private let idleTimeouts: Counter
    /// Per-request metric handles, made once per label set: building them per request (label
    /// arrays, registry lookups) was a measurable share of a webhook's CPU.
    private let requestHandles = RequestMetricHandles()

    public init(factory: any MetricsFactory) {
        self.factory = factory
        batchSize = Recorder(label: "herald_webhook_batch_size", factory: factory)
        commitLatency = Timer(label: "herald_webhook_commit_seconds", factory: factory)
        queueDepthGauge = Gauge(label: "herald_webhook_queue_depth", factory: factory)
        // Made up front so they read 0, not nothing, until the first connection.
        openConnectionsGauge = Gauge(label: "herald_http_connections_open", factory: factory)
        refusedConnections = Counter(label: "herald_http_connections_refused_total", factory: factory)
        readTimeouts = Counter(
            label: "herald_http_connection_timeouts_total", dimensions: [("timeout", "read")], factory: factory)
        idleTimeouts = Counter(
            label: "herald_http_connection_timeouts_total", dimensions: [("timeout", "idle")], factory: factory)
        openConnectionsGauge.record(0)
    }

    /// Open HTTP connections of this gateway (`herald_http_connections_open`).
    func openConnections(_ count: Int) { openConnectionsGauge.record(count) }

    /// A connection closed on accept because `HERALD_MAX_CONNECTIONS` were open.
    func connectionRefused() { refusedConnections.increment() }

    /// A connection closed by the gateway because its client was too slow (`read`: a request did
    /// not arrive within the read timeout) or quiet (`idle`: no request within the idle timeout).
    func connectionTimedOut(_ timeout: String) {
        (timeout == "read" ? readTimeouts : idleTimeouts).increment()
    }

    /// Counts a webhook refused by the gateway, by cause (`signature`, `too_large`, `queue_full`,
    /// `database_unavailable`, `shutting_down`).
    func rejected(_ cause: String) {
        Counter(label: "herald_webhook_rejections_total", dimensions: [("cause", cause)], factory: factory).increment()
    }

    func queueDepth(_ depth: Int) { queueDepthGauge.record(depth) }

    /// Counts a sender action by `action` and `outcome`: `taken`, the failure reason when Graph
    /// refused it or could not be reached (`graph_unavailable`, `recipient_unavailable`, …), or
    /// `skipped_outside_window` / `skipped_token_unusable` when it was not sent.
    /// Rare next to webhooks (a typing supporter sends one every 5 s), so no handle cache.
    func senderAction(_ action: String, outcome: String) {
        Counter(
            label: "herald_sender_actions_total", dimensions: [("action", action), ("outcome", outcome)],
            factory: factory
        ).increment()
    }

    func committedBatch(size: Int, after duration: Duration) {
        batchSize.record(size)
        commitLatency.recordNanoseconds(duration.nanoseconds)
    }

    func request(route: String, method: String, status: Int, duration: Duration) {
        let (counter, timer) = requestHandles.handles(route: route, method: method, status: status, factory: factory)
        counter.increment()
        timer.recordNanoseconds(duration.nanoseconds)
    }
}

/// A small cache of counters and timers keyed by route, method and status.
final class RequestMetricHandles: Sendable {
    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let handles = Mutex<[Key: (Counter, Timer)]>([:])

    func handles(route: String, method: String, status: Int, factory: any MetricsFactory) -> (Counter, Timer) {
        let key = Key(route: route, method: method, status: status)
        if let cached = handles.withLock({ $0[key] }) { return cached }
        let made = (
            Counter(
                label: "herald_http_requests_total",
                dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory),
            Timer(label: "herald_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
        )
        handles.withLock { $0[key] = made }
        return made
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
