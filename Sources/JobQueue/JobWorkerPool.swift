import Foundation
import Logging
import Postgres
import Synchronization

/// Runs jobs of some kinds on threads of its own: `threads` serial `DispatchQueue`s, each with
/// its own `PostgresConnection`, claiming up to `batchSize` jobs at a time.
///
/// The handler runs synchronously on the claiming thread with that thread's connection (not in
/// a transaction: it opens its own, and may record its outcome inside it). The pool records what
/// the handler returned, completions of a batch in one statement; a thrown error becomes a retry
/// after `JobQueue.backoff`. Blocking libpq and handler work stays on the pool's queues, never on
/// the Swift cooperative thread pool or an event loop; `wake()`, `start()` and `stop()` only
/// signal them.
///
/// Threads wait for `wake()` (the caller wires NOTIFY to it), polling every `pollInterval` as a
/// fallback. A heartbeat queue with one more connection extends the leases of every claimed job
/// until its outcome is recorded, so a long handler keeps its jobs and a dead process loses
/// them within one lease. `stop()` is graceful: no new claims, running handlers finish, claimed
/// jobs not yet started are handed back.
public final class JobWorkerPool: Sendable {
    /// Decides what happens to a job; runs on a pool thread with that thread's connection.
    public typealias Handler = @Sendable (Job, PostgresConnection) throws -> JobOutcome

    /// Runs a claimed batch as a whole, on a pool thread with that thread's connection, so work
    /// the jobs share (one statement to start them, one to record them) is done once.
    ///
    /// Returns the outcomes of the jobs it ran, in claim order. It runs them in order and stops
    /// early when `isStopping()` turns true: the jobs after the last outcome were not started
    /// and are handed back. A thrown error retries every job of the batch after the usual
    /// backoff, so errors of single jobs belong in their outcomes.
    public typealias BatchHandler =
        @Sendable (_ jobs: [Job], _ connection: PostgresConnection, _ isStopping: () -> Bool) throws -> [JobOutcome]

    /// How a pool runs what it claimed.
    enum Runner: Sendable {
        case each(Handler)
        case batch(BatchHandler)
    }

    public let configuration: Configuration
    private let context: JobWorkerContext
    private let workers: [JobWorker]
    private let heartbeat: JobHeartbeat
    private let lifecycle: JobPoolLifecycle

    /// - Parameters:
    ///   - postgres: where each thread (and the heartbeat) connects; connections open lazily and
    ///     are replaced when they break.
    ///   - now: the clock for leases, outcomes and backoff.
    public convenience init(
        postgres: PostgresConfiguration, queue: JobQueue = JobQueue(), configuration: Configuration,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger, handler: @escaping Handler
    ) {
        self.init(
            postgres: postgres, queue: queue, configuration: configuration, now: now, logger: logger,
            runner: .each(handler))
    }

    /// A pool whose handler runs each claimed batch as a whole (`BatchHandler`).
    public convenience init(
        postgres: PostgresConfiguration, queue: JobQueue = JobQueue(), configuration: Configuration,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger, batchHandler: @escaping BatchHandler
    ) {
        self.init(
            postgres: postgres, queue: queue, configuration: configuration, now: now, logger: logger,
            runner: .batch(batchHandler))
    }

    private init(
        postgres: PostgresConfiguration, queue: JobQueue, configuration: Configuration,
        now: @escaping @Sendable () -> Date, logger: Logger, runner: Runner
    ) {
        self.configuration = configuration
        let context = JobWorkerContext(
            queue: queue, configuration: configuration, postgres: postgres, now: now, logger: logger,
            runner: runner)
        self.context = context
        let heartbeat = JobHeartbeat(context: context)
        let lifecycle = JobPoolLifecycle()
        self.heartbeat = heartbeat
        self.lifecycle = lifecycle
        let finished: @Sendable () -> Void = { [lifecycle, heartbeat, count = configuration.threads] in
            guard lifecycle.workerFinished(of: count) else { return }
            heartbeat.stop()
            lifecycle.markStopped()
        }
        var workers: [JobWorker] = []
        for index in 0..<configuration.threads {
            workers.append(JobWorker(name: "\(configuration.workerID)/\(index)", context: context, onFinish: finished))
        }
        self.workers = workers
    }

    /// Starts the threads and the heartbeat (once; not after `stop()`).
    public func start() {
        guard lifecycle.markStarted() else { return }
        heartbeat.start()
        workers.forEach { $0.wake() }
    }

    /// Makes idle threads claim at once (call it on NOTIFY of the queue's channel).
    public func wake() {
        guard lifecycle.isRunning else { return }
        workers.forEach { $0.wake() }
    }

    /// True once a stop was requested: handlers may check it to end long work early.
    public var isStopping: Bool { context.isStopping }

    /// Stops claiming, lets running handlers finish and hands unstarted claimed jobs back, then
    /// returns once every thread has stopped and closed its connection.
    public func stop() async {
        requestStop()
        await lifecycle.waitUntilStopped()
    }

    /// Starts, then runs until the calling task is cancelled (a service's graceful shutdown),
    /// then stops as `stop()` does.
    public func run() async {
        start()
        await withTaskCancellationHandler {
            await lifecycle.waitUntilStopped()
        } onCancel: {
            requestStop()
        }
    }

    private func requestStop() {
        guard let wasStarted = lifecycle.requestStop() else { return }
        context.stopping.store(true, ordering: .sequentiallyConsistent)
        if wasStarted {
            workers.forEach { $0.wake() }  // each wakes, sees `stopping` and finishes
        } else {
            lifecycle.markStopped()
        }
    }
}

/// What the pool's threads and heartbeat share.
final class JobWorkerContext: Sendable {
    let queue: JobQueue
    let configuration: JobWorkerPool.Configuration
    let postgres: PostgresConfiguration
    let now: @Sendable () -> Date
    let logger: Logger
    let runner: JobWorkerPool.Runner
    /// Claimed jobs whose outcome is not recorded yet, and which thread holds each.
    let leases = JobLeases()
    let stopping = Atomic<Bool>(false)

    init(
        queue: JobQueue, configuration: JobWorkerPool.Configuration, postgres: PostgresConfiguration,
        now: @escaping @Sendable () -> Date, logger: Logger, runner: JobWorkerPool.Runner
    ) {
        self.queue = queue
        self.configuration = configuration
        self.postgres = postgres
        self.now = now
        self.logger = logger
        self.runner = runner
    }

    var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }
}
