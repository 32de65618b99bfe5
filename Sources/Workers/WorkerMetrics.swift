import Foundation
import HeraldCore
import JobQueue
import Messenger
import Metrics

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
    static let handles = MetricHandles()

    /// Made on first use, after the process bootstrapped its metrics backend; kept, so the ingest
    /// and send hot paths only increment.
    private static let ingestedProcessed = handles.counter("herald_webhook_events_total", [("outcome", "processed")])
    private static let ingestedParked = handles.counter("herald_webhook_events_total", [("outcome", "parked")])
    private static let ingestedRetried = handles.counter("herald_webhook_events_total", [("outcome", "retried")])
    private static let messagesSent = handles.counter("herald_messages_sent_total")

    static func ingested(_ outcome: WebhookIngestor.Outcome) {
        if outcome.processed > 0 { ingestedProcessed.increment(by: outcome.processed) }
        if outcome.parked > 0 { ingestedParked.increment(by: outcome.parked) }
        if outcome.retried > 0 { ingestedRetried.increment(by: outcome.retried) }
    }

    static func sendResult(_ result: SendAttempts.Result, final: Bool) {
        switch result {
        case .sent:
            messagesSent.increment()
        case .failed(let reason, _, _, _):
            handles.counter("herald_messages_failed_total", [("reason", reason.rawValue)]).increment()
        case .transient(let reason, _, _, _) where final:
            handles.counter("herald_messages_failed_total", [("reason", reason.rawValue)]).increment()
        case .transient(let reason, _, _, _):
            handles.counter("herald_messages_retried_total", [("reason", reason.rawValue)]).increment()
        }
    }

    /// Made on first use, after the process bootstrapped its metrics backend.
    static let graphRequestTimer = Timer(label: "herald_graph_request_duration_seconds")

    static func graphRequest(_ duration: Duration) {
        graphRequestTimer.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The webhook backlog gauges (`QueueGauges` refreshes them with the jobs' and the pages').
    static func publishWebhookBacklog(pending: Int, oldest: Date?, now: Date) {
        handles.gauge("herald_webhook_events_pending").record(pending)
        handles.gauge("herald_webhook_events_lag_seconds").record(oldest.map { max(now.timeIntervalSince($0), 0) } ?? 0)
    }
}
