import Metrics
import Synchronization

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

    static let handles = MetricHandles()

    /// Each event's counter per kind, kept here so counting a claimed or completed batch is one
    /// dictionary lookup per kind, with no label array built on the hot path.
    private static let byKind = Mutex<[EventKind: Counter]>([:])

    private struct EventKind: Hashable {
        let event: Event
        let kind: JobKind
    }

    static func count(_ event: Event, _ kinds: [JobKind]) {
        guard let first = kinds.first else { return }
        // A batch is nearly always of one kind (a pool's sends): no grouping then.
        if kinds.allSatisfy({ $0 == first }) {
            counter(event, first).increment(by: kinds.count)
            return
        }
        var byKind: [JobKind: Int] = [:]
        for kind in kinds { byKind[kind, default: 0] += 1 }
        for (kind, count) in byKind { counter(event, kind).increment(by: count) }
    }

    private static func counter(_ event: Event, _ kind: JobKind) -> Counter {
        let key = EventKind(event: event, kind: kind)
        if let cached = byKind.withLock({ $0[key] }) { return cached }
        let made = handles.counter(event.rawValue, [("kind", kind.rawValue)])
        byKind.withLock { $0[key] = made }
        return made
    }

    /// Sets the backlog gauges from a `JobQueue.stats` snapshot; `kinds` get a zero when absent,
    /// so an emptied queue reads 0 rather than its last value.
    public static func publish(_ stats: JobQueueStats, kinds: [JobKind]) {
        for kind in Set(kinds).union(stats.counts.keys) {
            let dimensions = [("kind", kind.rawValue)]
            handles.gauge("herald_jobs_ready", dimensions)
                .record(stats.count(.available, kind: kind) + stats.count(.retryable, kind: kind))
            handles.gauge("herald_jobs_running", dimensions).record(stats.count(.running, kind: kind))
            handles.gauge("herald_jobs_lag_seconds", dimensions)
                .record((stats.dueLag[kind] ?? .zero).timeInterval)
        }
        handles.gauge("herald_jobs_expired_leases").record(stats.expiredLeases)
    }
}
