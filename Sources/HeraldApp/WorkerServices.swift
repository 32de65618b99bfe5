import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import Workers

/// The worker services of `herald work` (and `herald run`), built from a `HeraldConfiguration`:
/// the ingest loops, the send pool, the pool of the other job kinds, the maintenance services,
/// and the listener that wakes them when the gateway or another process announces work.
public struct WorkerServices: Sendable {
    public let wakeUps: WakeUpListener
    public let ingest: IngestWorker
    public let send: SendWorker
    /// Every job kind but sends and profiles (`jobHandlers`).
    public let jobs: JobService
    /// `fetch_profile` jobs: customer names and pictures from the User Profile API, on their own
    /// threads and libcurl handles so a slow Graph never holds up sends.
    public let profiles: ProfileWorker
    /// One service per duty: lease rescue, URL probes, backlog gauges, and three pruners.
    public let maintenance: [any Service]

    /// In the order a `ServiceGroup` should start them (it stops them in reverse).
    public var all: [any Service] { [wakeUps, ingest, jobs, send, profiles] + maintenance }

    /// `subscriber` retries page subscriptions (`subscribe_page` jobs); nil leaves them queued.
    public init(
        configuration: HeraldConfiguration, pool: PostgresPool, subscriber: (any PageSubscriber)?,
        clock: any HeraldClock = SystemClock(), logger: Logger
    ) {
        let jobQueue = JobQueue()
        let outbound = OutboundStore(jobQueue: jobQueue, maxAttempts: configuration.maxAttempts)
        let blockedURLs = BlockedURLs(outbound: outbound, probeInterval: configuration.urlProbeInterval)
        let intervals = configuration.intervals
        var ingestConfiguration = WebhookIngestor.Configuration(maxAttempts: configuration.maxAttempts)
        ingestConfiguration.profileRefresh = ProfileRefresh(
            jobQueue: jobQueue, refreshAfter: configuration.profileRefresh, maxAttempts: configuration.maxAttempts)
        let ingestor = WebhookIngestor(
            configuration: ingestConfiguration, jobQueue: jobQueue,
            autoResend: configuration.autoResendOnReply ? outbound : nil)
        let ingest = IngestWorker(
            pool: pool, ingestor: ingestor, clock: clock, configuration: .init(pollInterval: intervals.ingestPoll),
            logger: logger)
        let send = SendWorker(
            database: configuration.database,
            configuration: .init(
                graphURL: configuration.graphURL, graphVersion: configuration.graphVersion,
                appSecret: configuration.graphAppSecret, concurrency: configuration.concurrency,
                lease: configuration.jobLease,
                retryBase: configuration.retryBase, urlPolicy: configuration.urlPolicy,
                tokenKey: configuration.tokenKey,
                blockedURLs: blockedURLs),
            jobQueue: jobQueue, clock: clock, pollInterval: intervals.jobPoll, logger: logger)
        let jobs = JobService(
            database: configuration.database, jobQueue: jobQueue,
            configuration: .init(
                kinds: [], threads: 2, lease: configuration.jobLease, pollInterval: intervals.jobPoll,
                retryBase: configuration.retryBase),
            handlers: Self.jobHandlers(
                configuration, jobQueue: jobQueue, subscriber: subscriber, clock: clock, logger: logger),
            clock: clock, logger: logger)
        let profiles = ProfileWorker(
            database: configuration.database,
            configuration: .init(
                graphURL: configuration.graphURL, graphVersion: configuration.graphVersion,
                appSecret: configuration.graphAppSecret, lease: configuration.jobLease,
                retryBase: configuration.retryBase,
                tokenKey: configuration.tokenKey),
            jobQueue: jobQueue, clock: clock, pollInterval: intervals.jobPoll, logger: logger)
        let wakeUps = WakeUpListener(
            configuration: configuration.database,
            routes: [
                WebhookEventStore.notifyChannel: [{ ingest.wake() }],
                jobQueue.notifyChannel: [{ jobs.wake() }, { send.wake() }, { profiles.wake() }],
            ],
            logger: logger)
        self.wakeUps = wakeUps
        self.ingest = ingest
        self.send = send
        self.jobs = jobs
        self.profiles = profiles
        self.maintenance = [
            LeaseRescuer(pool: pool, jobQueue: jobQueue, clock: clock, interval: intervals.leaseRescue, logger: logger),
            BlockedURLProber(
                pool: pool, blockedURLs: blockedURLs, clock: clock, interval: intervals.urlProbeCheck, logger: logger),
            QueueGauges(
                pool: pool, jobQueue: jobQueue, kinds: [OutboundStore.sendKind, ProfileRefresh.kind] + jobs.kinds,
                clock: clock,
                interval: intervals.gauges, logger: logger),
            JobPruner(pool: pool, jobQueue: jobQueue, clock: clock, interval: intervals.pruning, logger: logger),
            WebhookPruner(
                pool: pool, retention: WebhookRetention(period: configuration.webhookRetention), clock: clock,
                interval: intervals.pruning, logger: logger),
            ChangeLogPruner(pool: pool, clock: clock, interval: intervals.pruning, logger: logger),
        ]
    }

    /// The handler of every job kind `jobs` runs: a new kind is one more entry here.
    static func jobHandlers(
        _ configuration: HeraldConfiguration, jobQueue: JobQueue, subscriber: (any PageSubscriber)?,
        clock: any HeraldClock, logger: Logger
    ) -> [JobKind: JobWorkerPool.Handler] {
        let inactivity = InactivityCheckHandler(jobQueue: jobQueue, clock: clock)
        var handlers: [JobKind: JobWorkerPool.Handler] = [
            InactivityCheckHandler.kind: { try inactivity.run($0, $1) }
        ]
        if let subscriber {
            let subscription = PageSubscriptionHandler(
                subscription: PageSubscription(
                    jobQueue: jobQueue, maxAttempts: configuration.maxAttempts, retryBase: configuration.retryBase,
                    tokenKey: configuration.tokenKey),
                subscriber: subscriber, clock: clock, logger: logger)
            handlers[PageSubscriptionHandler.kind] = { try subscription.run($0, $1) }
        }
        return handlers
    }
}
