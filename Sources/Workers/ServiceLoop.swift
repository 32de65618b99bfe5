import Postgres
import ServiceLifecycle

/// The lifecycle every loop-shaped worker service shares (the ingest loops, the maintenance
/// services): run a pass; when it found nothing to do, wait for the doorbell (a NOTIFY) or
/// `interval`, whichever comes first; stop between passes on graceful shutdown, so a pass that
/// started always finishes. `JobWorkerPool` has the same contract on threads of its own.
enum ServiceLoop {
    /// `pass` returns whether it found work (then the next pass runs at once).
    static func run(
        every interval: Duration, doorbell: Doorbell = Doorbell(), _ pass: @escaping @Sendable () async -> Bool
    ) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if await pass() { continue }
                if Task.isCancelled { break }
                await doorbell.wait(timeout: interval)
            }
        }
    }
}
