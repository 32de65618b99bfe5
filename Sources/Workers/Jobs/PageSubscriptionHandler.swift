import Dispatch
import Foundation
import HeraldCore
import JobQueue
import Logging
import Messenger
import Postgres

/// Runs `subscribe_page` jobs (`PageSubscription`): read the page (one transaction), call Graph
/// with no transaction open, record the answer and the job's outcome together (another). A
/// worker that dies mid-call loses the lease, and the job runs again.
public struct PageSubscriptionHandler: Sendable {
    private let subscription: PageSubscription
    private let subscriber: any PageSubscriber
    private let clock: any HeraldClock
    private let logger: Logger

    public init(subscription: PageSubscription, subscriber: any PageSubscriber, clock: any HeraldClock, logger: Logger)
    {
        self.subscription = subscription
        self.subscriber = subscriber
        self.clock = clock
        self.logger = logger
    }

    public static var kind: JobKind { PageSubscription.kind }

    /// The pool's handler, on a pool thread (never the cooperative pool): the Graph call runs on
    /// the subscriber's own threads while this thread waits for it.
    public func run(_ job: Job, _ connection: PostgresConnection) throws -> JobOutcome {
        let jobQueue = subscription.jobQueue
        let now = clock.now()
        let start = try connection.transaction { connection in
            let start = try subscription.start(job, now: now, on: connection)
            if case .finished(let outcome) = start { try jobQueue.record(outcome, for: job, now: now, on: connection) }
            return start
        }
        let target: PageSubscription.Target
        switch start {
        case .finished(let outcome): return outcome
        case .subscribe(let subscribing): target = subscribing
        }
        let outcome = Self.wait { [subscriber] in
            await subscriber.subscribe(pageID: target.pageID, accessToken: target.accessToken)
        }
        let done = clock.now()
        let jobOutcome = try connection.transaction { connection in
            let jobOutcome = try subscription.finish(job, outcome, for: target, now: done, on: connection)
            try jobQueue.record(jobOutcome, for: job, now: done, on: connection)
            return jobOutcome
        }
        log(outcome, jobOutcome, job: job, pageID: target.pageID)
        return jobOutcome
    }

    /// Blocks this pool thread (one the pool owns, so no cooperative thread waits) until the
    /// async call returns.
    private static func wait<T: Sendable>(_ call: @escaping @Sendable () async -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox<T>()
        Task {
            result.value = await call()
            done.signal()
        }
        done.wait()
        return result.value!
    }

    private func log(_ outcome: GraphPageSubscription.Outcome, _ jobOutcome: JobOutcome, job: Job, pageID: String) {
        var metadata: Logger.Metadata = [
            "herald.page.id": "\(pageID)", "herald.job.id": "\(job.id)", "herald.job.attempt": "\(job.attempts)",
        ]
        guard let failure = outcome.failure else {
            logger.info("page subscribed to the app's webhooks", metadata: metadata)
            return
        }
        metadata["herald.graph.code"] = "\(failure.code ?? 0)"
        metadata["herald.failure.reason"] = "\(failure.reason.rawValue)"
        switch jobOutcome {
        case .retry: logger.info("page subscription failed for now; retrying later", metadata: metadata)
        case .discard: logger.warning("page subscription gave up after its last attempt", metadata: metadata)
        default: logger.warning("page subscription refused by Graph; reconnect the page once fixed", metadata: metadata)
        }
    }
}

/// The async call's result, handed from its task to the waiting thread (the semaphore orders the
/// write before the read).
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var value: T?
}
