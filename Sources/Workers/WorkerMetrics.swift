import Foundation
import HeraldCore
import JobQueue
import Messenger
import Metrics
import Postgres

/// What the workers count, through swift-metrics (exported by `herald work` on
/// `HERALD_METRICS_PORT`, and by the gateway's `/metrics` under `herald run`).
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `herald_webhook_events_total` | counter | `outcome`: `processed`, `parked`, `retried` |
/// | `herald_webhook_events_pending` | gauge | — (stored, not yet processed) |
/// | `herald_webhook_events_lag_seconds` | gauge | — (age of the oldest pending event) |
/// | `herald_messages_sent_total` | counter | — |
/// | `herald_messages_failed_total` | counter | `reason` |
/// | `herald_messages_retried_total` | counter | `reason` (transient failures that will be retried) |
/// | `herald_graph_request_duration_seconds` | timer (histogram) | — |
///
/// The job engine's own figures (`herald_jobs_*`) are documented on `JobMetrics`, the pages'
/// (`herald_page_last_webhook_age_seconds`, `herald_pages_token_expired`) on `PageMetrics`.
enum WorkerMetrics {
    static let counters = CounterHandles()

    static func ingested(_ outcome: WebhookIngestor.Outcome) {
        for (name, count) in [("processed", outcome.processed), ("parked", outcome.parked), ("retried", outcome.retried)]
        where count > 0 {
            counters.counter("herald_webhook_events_total", [("outcome", name)]).increment(by: count)
        }
    }

    static func sendResult(_ result: SendAttempts.Result, final: Bool) {
        switch result {
        case .sent:
            counters.counter("herald_messages_sent_total").increment()
        case .failed(let reason, _, _, _):
            counters.counter("herald_messages_failed_total", [("reason", reason.rawValue)]).increment()
        case .transient(let reason, _, _, _) where final:
            counters.counter("herald_messages_failed_total", [("reason", reason.rawValue)]).increment()
        case .transient(let reason, _, _, _):
            counters.counter("herald_messages_retried_total", [("reason", reason.rawValue)]).increment()
        }
    }

    /// Made on first use, after the process bootstrapped its metrics backend.
    static let graphRequestTimer = Timer(label: "herald_graph_request_duration_seconds")

    static func graphRequest(_ duration: Duration) {
        graphRequestTimer.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The backlog gauges: jobs by kind (`JobMetrics.publish`), pending webhook events and the
    /// pages (`PageMetrics`). One pass over the live jobs (partial indexes), one over pending
    /// events, one over the pages.
    static func publishBacklog(jobQueue: JobQueue, kinds: [JobKind], now: Date, on connection: PostgresConnection) throws {
        JobMetrics.publish(try jobQueue.stats(now: now, includeFinished: false, on: connection), kinds: kinds)
        let (pending, oldest) = try WebhookEventStore().pendingBacklog(on: connection)
        Gauge(label: "herald_webhook_events_pending").record(pending)
        Gauge(label: "herald_webhook_events_lag_seconds").record(oldest.map { max(now.timeIntervalSince($0), 0) } ?? 0)
        try PageMetrics.publish(now: now, on: connection)
    }
}
