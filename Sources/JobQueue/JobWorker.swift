import Foundation
import Logging
import Postgres
import Synchronization

/// One thread of a `JobWorkerPool`: a serial queue, the connection confined to it, and the
/// claim → run → record loop.
///
/// `@unchecked Sendable` because `connection` is only touched on `dispatchQueue`; the schedule
/// that other threads change (`wake()`) sits behind a mutex.
final class JobWorker: @unchecked Sendable {
    /// This thread's `locked_by`.
    let name: String
    private let context: JobWorkerContext
    private let onFinish: @Sendable () -> Void
    private let dispatchQueue: DispatchQueue
    private var connection: ReconnectingConnection
    /// How long this thread's recent jobs took to run, on average (for `batchBudget`).
    private var pace: Duration?

    private struct Schedule {
        /// A tick is queued; further wake-ups need not queue another.
        var tickPending = false
        /// Bumped by every tick, so a poll timer set before it knows it is stale.
        var generation: UInt64 = 0
        var finished = false
    }

    private let schedule = Mutex(Schedule())

    init(name: String, context: JobWorkerContext, onFinish: @escaping @Sendable () -> Void) {
        self.name = name
        self.context = context
        self.onFinish = onFinish
        self.dispatchQueue = DispatchQueue(label: "herald.jobs.worker.\(name)")
        self.connection = ReconnectingConnection(configuration: context.postgres) {
            [sessionSetup = context.configuration.sessionSetup] in
            if let sessionSetup { try $0.execute(script: sessionSetup) }
        }
    }

    private var configuration: JobWorkerPool.Configuration { context.configuration }
    private var logger: Logger { context.logger }

    /// Queues a tick unless one is queued already or the worker has finished.
    func wake() {
        let queueTick = schedule.withLock { schedule -> Bool in
            guard !schedule.finished, !schedule.tickPending else { return false }
            schedule.tickPending = true
            return true
        }
        if queueTick { dispatchQueue.async { [self] in tick() } }
    }

    /// One claimed batch, on `dispatchQueue`; then at once another, or a poll timer when idle.
    private func tick() {
        let (generation, finished) = schedule.withLock { schedule in
            schedule.tickPending = false
            schedule.generation += 1
            return (schedule.generation, schedule.finished)
        }
        guard !finished else { return }
        if context.isStopping { return finish() }
        var busy = false
        do {
            busy = try runBatch()
        } catch {
            logger.error(
                "job worker failed; retrying after the poll interval",
                metadata: ["herald.worker": "\(name)", "herald.error": "\(error)"])
            if let held = connection.current, (error as? PostgresError)?.isConnectionError == true || !held.isConnected
            {
                connection.drop()
            }
        }
        if context.isStopping { return finish() }
        if busy { return wake() }
        dispatchQueue.asyncAfter(deadline: .now() + configuration.pollInterval.dispatchInterval) { [self] in
            let current = schedule.withLock { schedule -> Bool in
                guard schedule.generation == generation, !schedule.tickPending, !schedule.finished else { return false }
                schedule.tickPending = true
                return true
            }
            if current { tick() }
        }
    }

    /// Claims a batch and runs it; false when nothing was due.
    private func runBatch() throws -> Bool {
        let connection = try liveConnection()
        let queue = context.queue
        let jobs = try queue.claim(
            kinds: configuration.kinds, limit: claimLimit(), worker: name, lease: configuration.lease,
            now: context.now(), on: connection)
        guard !jobs.isEmpty else { return false }
        let ids = jobs.map(\.id)
        context.leases.hold(ids, by: name)
        // Whatever happens below, the heartbeat stops renewing these: a job whose outcome could
        // not be recorded comes back through lease expiry.
        defer { context.leases.drop(ids) }
        let outcomes = run(jobs, on: connection)
        var completed: [Int64] = []
        for (job, outcome) in zip(jobs, outcomes) {
            if outcome == .completed {
                completed.append(job.id)
            } else {
                try queue.record(outcome, for: job, now: context.now(), on: connection)
                context.leases.drop([job.id])
            }
        }
        if outcomes.count < jobs.count {
            let unstarted = Array(ids[outcomes.count...])
            try queue.release(unstarted, worker: name, on: connection)
            context.leases.drop(unstarted)
        }
        // One statement for the batch's completions (a handler that already recorded its own
        // outcome makes its row a no-op here).
        try queue.completeAll(completed, worker: name, now: context.now(), on: connection)
        return true
    }

    /// The outcomes of the jobs the handler ran, in claim order; fewer than `jobs` when the pool
    /// began stopping first.
    private func run(_ jobs: [Job], on connection: PostgresConnection) -> [JobOutcome] {
        switch context.runner {
        case .each(let handler):
            var outcomes: [JobOutcome] = []
            for job in jobs {
                if context.isStopping { break }
                let started = ContinuousClock.now
                outcomes.append(run(job, handler, on: connection))
                measured(ContinuousClock.now - started, jobs: 1)
            }
            return outcomes
        case .batch(let handler):
            let started = ContinuousClock.now
            var outcomes: [JobOutcome]
            do {
                outcomes = Array(try handler(jobs, connection, { [context] in context.isStopping }).prefix(jobs.count))
            } catch {
                outcomes = jobs.map { retry($0, after: error) }
            }
            settle(connection)
            measured(ContinuousClock.now - started, jobs: outcomes.count)
            return outcomes
        }
    }

    /// Folds a run into this thread's pace (for `batchBudget`).
    private func measured(_ took: Duration, jobs: Int) {
        guard jobs > 0 else { return }
        let each = took / jobs
        pace = pace.map { $0 * 0.75 + each * 0.25 } ?? each
    }

    /// `batchSize`, or with `batchBudget` the jobs that fit in it at this thread's pace.
    private func claimLimit() -> Int {
        guard let budget = configuration.batchBudget else { return configuration.batchSize }
        guard let pace, pace > .zero else { return 1 }
        let fitting = budget / pace
        return fitting >= Double(configuration.batchSize) ? configuration.batchSize : max(1, Int(fitting))
    }

    /// Runs the handler; a thrown error becomes a retry after the usual backoff.
    private func run(_ job: Job, _ handler: JobWorkerPool.Handler, on connection: PostgresConnection) -> JobOutcome {
        let outcome: JobOutcome
        do {
            outcome = try handler(job, connection)
        } catch {
            outcome = retry(job, after: error)
        }
        settle(connection)
        return outcome
    }

    private func retry(_ job: Job, after error: any Error) -> JobOutcome {
        let delay = JobQueue.backoff(attempt: job.attempts, base: configuration.retryBase, cap: configuration.retryCap)
        logger.warning(
            "job handler threw; retrying later",
            metadata: [
                "herald.worker": "\(name)", "herald.job.id": "\(job.id)", "herald.job.kind": "\(job.kind)",
                "herald.job.attempt": "\(job.attempts)", "herald.error": "\(error)",
            ])
        return .retry(at: context.now().addingTimeInterval(delay.timeInterval), error: String("\(error)".prefix(2000)))
    }

    /// A handler that left a transaction open gets it rolled back, so the outcome is recorded
    /// in autocommit and the next handler starts clean.
    private func settle(_ connection: PostgresConnection) {
        guard connection.transactionState == .inTransaction || connection.transactionState == .failedTransaction else {
            return
        }
        logger.warning(
            "a job handler returned inside a transaction; rolling back", metadata: ["herald.worker": "\(name)"])
        try? connection.execute(script: "ROLLBACK")
    }

    private func liveConnection() throws -> PostgresConnection { try connection.live() }

    private func finish() {
        let first = schedule.withLock { schedule -> Bool in
            defer { schedule.finished = true }
            return !schedule.finished
        }
        guard first else { return }
        connection.drop()
        onFinish()
    }
}
