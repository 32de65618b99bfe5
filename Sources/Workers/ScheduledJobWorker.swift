import Foundation
import HeraldCore
import JobQueue
import Logging
import Messenger
import Postgres
import ServiceLifecycle
import Synchronization

/// Runs due scheduled jobs (inactivity checks) one claimed batch at a time, each job in its own
/// transaction with its effects, so a job is completed exactly when its effects commit.
///
/// With a `subscriber` it also runs `subscribe_page` jobs (`PageSubscription`): the claim commits
/// (leased), the Graph call runs on the subscriber's threads with no connection held, and the
/// answer and the job's outcome commit together. A worker that dies mid-call loses the lease, and
/// the job runs again.
///
/// It also keeps the tables healthy: every cycle it hands jobs whose lease expired (their worker
/// died) back to the queue, and every minute it prunes finished jobs and processed webhooks past
/// their retention (`WebhookPartitions`: the webhook log's day partitions are created ahead and
/// dropped whole once expired).
/// And it probes blocked URLs whose probe is due (the oldest message each holds back is resent).
public final class ScheduledJobWorker: Service, Sendable {
    private let pool: PostgresPool
    private let jobQueue: JobQueue
    private let inactivity: InactivityCheck
    private let clock: any HeraldClock
    private let pollInterval: Duration
    private let lease: Duration
    private let workerID: String
    private let logger: Logger
    private let retention: TimeInterval
    private let blockedURLs: BlockedURLs
    private let webhookRetention: WebhookRetention
    private let attempts = SendAttempts()
    private let subscriber: (any PageSubscriber)?
    private let subscription: PageSubscription

    private struct SendJobPayload: Decodable {
        var message_id: Int64
    }
    private let lastPrune = Mutex<Date?>(nil)
    private let lastBacklogGauge = Mutex<Date?>(nil)
    private let lastChangePrune = Mutex<Date?>(nil)
    /// Job kinds whose backlog gauges read 0 rather than nothing when their queue is empty.
    static let gaugedKinds = [OutboundStore.sendKind, InactivityCheck.kind, PageSubscription.kind]
    let doorbell = Doorbell()

    public init(
        pool: PostgresPool, jobQueue: JobQueue, clock: any HeraldClock, pollInterval: Duration = .seconds(1),
        lease: Duration = .seconds(30), retention: TimeInterval = 7 * 86_400, blockedURLs: BlockedURLs = BlockedURLs(),
        webhookRetention: WebhookRetention = WebhookRetention(), subscriber: (any PageSubscriber)? = nil,
        subscription: PageSubscription = PageSubscription(), workerID: String, logger: Logger
    ) {
        self.subscriber = subscriber
        self.subscription = subscription
        self.webhookRetention = webhookRetention
        self.retention = retention
        self.blockedURLs = blockedURLs
        self.pool = pool
        self.jobQueue = jobQueue
        self.inactivity = InactivityCheck(jobQueue: jobQueue)
        self.clock = clock
        self.pollInterval = pollInterval
        self.lease = lease
        self.workerID = workerID
        self.logger = logger
    }

    public func wake() { doorbell.ring() }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if await self.runDueJobs() == 0 { await self.doorbell.wait(timeout: self.pollInterval) }
            }
        }
    }

    /// Claims and runs up to 50 due scheduled jobs, then up to 10 due subscriptions; returns how many ran.
    func runDueJobs() async -> Int {
        await runScheduledJobs() + runSubscriptions()
    }

    private func runScheduledJobs() async -> Int {
        do {
            return try await pool.withConnection { [self] connection in
                try maintain(now: clock.now(), connection)
                var ran = 0
                for _ in 0..<50 {
                    let now = clock.now()
                    let ranOne = try connection.transaction { connection -> Bool in
                        guard let job = try jobQueue.claim(
                            kinds: [InactivityCheck.kind], limit: 1, worker: workerID, lease: lease, now: now, on: connection
                        ).first else { return false }
                        let outcome = try inactivity.run(job, now: now, on: connection)
                        try jobQueue.record(outcome, for: job, now: now, on: connection)
                        return true
                    }
                    guard ranOne else { break }
                    ran += 1
                }
                return ran
            }
        } catch {
            logger.error("scheduled jobs failed; retrying after the poll interval", metadata: ["herald.error": "\(error)"])
            return 0
        }
    }

    /// Up to 10 due `subscribe_page` jobs, one at a time: claim (committed), Graph, record.
    private func runSubscriptions() async -> Int {
        guard let subscriber else { return 0 }
        var ran = 0
        do {
            for _ in 0..<10 {
                let now = clock.now()
                let claimed = try await pool.withConnection { [self] connection in
                    try connection.transaction { connection -> (Job, PageSubscription.Start)? in
                        guard let job = try jobQueue.claim(
                            kinds: [PageSubscription.kind], limit: 1, worker: workerID, lease: lease, now: now, on: connection
                        ).first else { return nil }
                        let start = try subscription.start(job, now: now, on: connection)
                        if case .finished(let outcome) = start {
                            try jobQueue.record(outcome, for: job, now: now, on: connection)
                        }
                        return (job, start)
                    }
                }
                guard let (job, start) = claimed else { break }
                ran += 1
                guard case .subscribe(let target) = start else { continue }
                let outcome = await subscriber.subscribe(pageID: target.pageID, accessToken: target.accessToken)
                let done = clock.now()
                let jobOutcome = try await pool.withConnection { [self] connection in
                    try connection.transaction { connection in
                        let jobOutcome = try subscription.finish(job, outcome, for: target, now: done, on: connection)
                        try jobQueue.record(jobOutcome, for: job, now: done, on: connection)
                        return jobOutcome
                    }
                }
                log(outcome, jobOutcome, job: job, pageID: target.pageID)
            }
        } catch {
            logger.error("page subscriptions failed; retrying after the poll interval", metadata: ["herald.error": "\(error)"])
        }
        return ran
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

    /// Lease rescue and URL probes every cycle (cheap indexed queries), pruning at most every minute.
    private func maintain(now: Date, _ connection: PostgresConnection) throws {
        let probed = try connection.transaction { try blockedURLs.probeDue(now: now, on: $0) }
        if probed > 0 {
            logger.info("blocked URLs probed: oldest held-back messages resent", metadata: ["herald.messages.requeued": "\(probed)"])
        }
        let rescued = try jobQueue.rescueExpiredLeases(now: now, on: connection)
        for job in rescued.discardedJobs where job.kind == OutboundStore.sendKind {
            guard let payload = try? job.payload.decode(SendJobPayload.self) else { continue }
            try attempts.abandon(
                messageID: payload.message_id,
                detail: "the send was interrupted on its last attempt (its worker stopped); it may have been delivered",
                now: now, on: connection)
        }
        if rescued.retried + rescued.discarded > 0 {
            logger.warning(
                "jobs whose worker stopped heartbeating were handed back",
                metadata: ["herald.jobs.retried": "\(rescued.retried)", "herald.jobs.discarded": "\(rescued.discarded)"])
        }
        let due = Self.due(lastPrune, every: 60, now: now)
        let gaugeDue = Self.due(lastBacklogGauge, every: 5, now: now)
        if gaugeDue {
            try WorkerMetrics.publishBacklog(jobQueue: jobQueue, kinds: Self.gaugedKinds, now: now, on: connection)
        }
        // The stream's change log keeps its newest rows only (resume window for Last-Event-ID).
        if Self.due(lastChangePrune, every: 60, now: now) {
            try ChangeLog().prune(on: connection)
        }
        if due {
            // Up to 10 rounds of 10,000 a minute (about 1,600 finished jobs/s per process), so
            // pruning keeps up with a busy queue instead of falling behind.
            for _ in 0..<10 {
                let pruned = try jobQueue.prune(
                    finishedBefore: now.addingTimeInterval(-retention), limit: 10_000, on: connection)
                if pruned < 10_000 { break }
            }
            let partitions = WebhookPartitions(retention: webhookRetention)
            try partitions.createAhead(now: now, on: connection)
            let pruned = try partitions.dropExpired(now: now, on: connection)
            if pruned.rows > 0 || !pruned.partitions.isEmpty {
                logger.info(
                    "processed webhooks past their retention pruned",
                    metadata: ["herald.webhooks.pruned": "\(pruned.rows)", "herald.partitions.dropped": "\(pruned.partitions)"])
            }
        }
    }

    /// True (and the time noted) when `seconds` have passed since the last time it was true.
    private static func due(_ last: borrowing Mutex<Date?>, every seconds: TimeInterval, now: Date) -> Bool {
        last.withLock { last in
            guard last.map({ now.timeIntervalSince($0) >= seconds }) ?? true else { return false }
            last = now
            return true
        }
    }
}
