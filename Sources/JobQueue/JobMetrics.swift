import Metrics

/// The job engine's figures, through swift-metrics (the process decides the backend; `herald`
/// exports Prometheus): counters by kind for claims and outcomes, gauges by kind for the backlog.
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `herald_jobs_claimed_total` | counter | `kind` |
/// | `herald_jobs_completed_total` | counter | `kind` |
/// | `herald_jobs_retried_total` | counter | `kind` (also a job rescued after its lease expired) |
/// | `herald_jobs_discarded_total` | counter | `kind` |
/// | `herald_jobs_ready` | gauge | `kind`: due jobs waiting (available or retryable) |
/// | `herald_jobs_running` | gauge | `kind` |
/// | `herald_jobs_lag_seconds` | gauge | `kind`: how long the oldest due job has waited |
/// | `herald_jobs_expired_leases` | gauge | — |
public enum JobMetrics {
    /// What happened to jobs; counted where it happens (claim, record, completeAll), so every
    /// worker of every kind is counted the same way.
    enum Event: String {
        case claimed = "herald_jobs_claimed_total"
        case completed = "herald_jobs_completed_total"
        case retried = "herald_jobs_retried_total"
        case discarded = "herald_jobs_discarded_total"
    }

    static let counters = CounterHandles()

    static func count(_ event: Event, _ kinds: [JobKind]) {
        guard !kinds.isEmpty else { return }
        var byKind: [JobKind: Int] = [:]
        for kind in kinds { byKind[kind, default: 0] += 1 }
        for (kind, count) in byKind {
            counters.counter(event.rawValue, [("kind", kind.rawValue)]).increment(by: count)
        }
    }

    /// Sets the backlog gauges from a `JobQueue.stats` snapshot; `kinds` get a zero when absent,
    /// so an emptied queue reads 0 rather than its last value.
    public static func publish(_ stats: JobQueueStats, kinds: [JobKind]) {
        for kind in Set(kinds).union(stats.counts.keys) {
            let dimensions = [("kind", kind.rawValue)]
            Gauge(label: "herald_jobs_ready", dimensions: dimensions)
                .record(stats.count(.available, kind: kind) + stats.count(.retryable, kind: kind))
            Gauge(label: "herald_jobs_running", dimensions: dimensions).record(stats.count(.running, kind: kind))
            Gauge(label: "herald_jobs_lag_seconds", dimensions: dimensions)
                .record((stats.dueLag[kind] ?? .zero).timeInterval)
        }
        Gauge(label: "herald_jobs_expired_leases").record(stats.expiredLeases)
    }
}
