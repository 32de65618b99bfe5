import Curl
import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle

/// `herald work`'s send pool: `concurrency` Dispatch threads, each with its own database
/// connection and a reusable libcurl handle, sending queued messages through the Graph Send API.
/// Jobs of one conversation run one at a time, in creation order (the job's ordering key).
public final class SendWorker: Service, Sendable {
    /// Send configuration.
    public struct Configuration: Sendable {
        public var graphURL: String
        public var graphVersion: String
        public var appSecret: [UInt8]?
        /// Send threads (`HERALD_CONCURRENCY`).
        public var concurrency: Int
        public var lease: Duration
        public var retryBase: Duration
        public var curl: CurlConfiguration
        /// The HEAD that measures a file or image without a declared size. Its own handles: the
        /// URL is any host a supporter names, so it follows redirects (CDNs answer with them) and
        /// gets a short timeout, since the conversation's next message waits behind it; a server
        /// that does not answer in time leaves the size to Graph. Whatever it says, the probe
        /// connects only where `urlPolicy` allows, through no proxy, and follows at most
        /// `maxSizeProbeRedirects` redirects.
        public var sizeProbe: CurlConfiguration
        public static let defaultSizeProbe = CurlConfiguration(
            connectTimeout: .seconds(3), totalTimeout: .seconds(5), followRedirects: true,
            maxRedirects: maxSizeProbeRedirects)
        /// Redirects the size check follows at most.
        public static let maxSizeProbeRedirects = 3
        /// Where the URLs supporters type may lead (`HERALD_ALLOW_PRIVATE_URLS`): by default only
        /// public addresses. A URL field whose host is a refused address literal, or a size check
        /// whose connection (any redirect hop included) would go to a refused address, fails the
        /// message `invalid_format` ("URL is not publicly reachable") without calling Graph.
        public var urlPolicy: AddressPolicy
        /// `HERALD_TOKEN_KEY`: opens page tokens sealed at rest. Default: nil (tokens stored plain).
        public var tokenKey: [UInt8]?
        /// Blocked-URL bookkeeping (and the attempts of the messages it requeues).
        public var blockedURLs: BlockedURLs
        /// The most jobs a send thread claims at once: distinct conversations, started in one
        /// statement, sent one after another, then recorded and completed in one statement each.
        /// A worker killed mid-batch sends the batch's unrecorded messages again after the lease,
        /// so this also bounds the duplicates a crash can cause per thread. Default 16.
        public var batchSize: Int
        /// A thread claims only the messages it expects to send within this time at the pace of
        /// its recent sends (`JobWorkerPool.Configuration.batchBudget`): with a fast Graph, claims
        /// and bookkeeping are shared by up to `batchSize` messages; with a slow one each thread
        /// takes one message at a time, so a small backlog of a few customers is still sent in
        /// parallel and a conversation's next message is not held behind others for long.
        /// The pace is wall-clock time, which grows when the machine runs out of CPU; 100 ms
        /// keeps batches whole then (at 20 ms, four processes on 2 busy cores shrank them to a
        /// few messages, and the extra statements made the drain 3× slower). Default 100 ms.
        public var batchBudget: Duration?

        public init(
            graphURL: String, graphVersion: String, appSecret: [UInt8]?, concurrency: Int = 4,
            lease: Duration = .seconds(30), retryBase: Duration = .seconds(10),
            curl: CurlConfiguration = CurlConfiguration(connectTimeout: .seconds(5), totalTimeout: .seconds(20)),
            sizeProbe: CurlConfiguration = Configuration.defaultSizeProbe, urlPolicy: AddressPolicy = .publicOnly,
            tokenKey: [UInt8]? = nil, blockedURLs: BlockedURLs = BlockedURLs(), batchSize: Int = 16,
            batchBudget: Duration? = .milliseconds(100)
        ) {
            self.urlPolicy = urlPolicy
            self.batchSize = batchSize
            self.batchBudget = batchBudget
            self.tokenKey = tokenKey
            self.blockedURLs = blockedURLs
            self.graphURL = graphURL
            self.graphVersion = graphVersion
            self.appSecret = appSecret
            self.concurrency = concurrency
            self.lease = lease
            self.retryBase = retryBase
            self.curl = curl
            self.sizeProbe = sizeProbe
        }

        /// What the size check runs with: `sizeProbe` with `urlPolicy` on every connection (so no
        /// proxy either) and at most `maxSizeProbeRedirects` redirects.
        public var guardedSizeProbe: CurlConfiguration {
            var probe = sizeProbe
            probe.addressPolicy = urlPolicy
            probe.maxRedirects = min(probe.maxRedirects, Self.maxSizeProbeRedirects)
            return probe
        }
    }

    private let pool: JobWorkerPool

    public init(
        database: PostgresConfiguration, configuration: Configuration, jobQueue: JobQueue = JobQueue(),
        clock: any HeraldClock = SystemClock(), pollInterval: Duration = .seconds(1), logger: Logger
    ) {
        let handler = SendMessageHandler(
            graph: .init(
                baseURL: configuration.graphURL, version: configuration.graphVersion, appSecret: configuration.appSecret
            ),
            clock: clock, retryBase: configuration.retryBase, curl: CurlHandles(configuration: configuration.curl),
            sizeProbes: CurlHandles(configuration: configuration.guardedSizeProbe), urlPolicy: configuration.urlPolicy,
            attempts: SendAttempts(tokenKey: configuration.tokenKey, blockedURLs: configuration.blockedURLs),
            logger: logger)
        pool = JobWorkerPool(
            postgres: database, queue: jobQueue,
            configuration: .init(
                kinds: [OutboundStore.sendKind], threads: configuration.concurrency, batchSize: configuration.batchSize,
                lease: configuration.lease,
                pollInterval: pollInterval, retryBase: configuration.retryBase,
                // A send's bookkeeping (claim, sending, outcome, completion) commits without waiting
                // for the WAL flush: four commits per batch would otherwise bound a thread to the
                // disk's flush rate. A database crash can lose the last few hundred milliseconds of
                // it; those messages are then sent again, as after a worker crash (at-least-once).
                // Webhooks and new messages stay fully durable: they are written elsewhere.
                // The send statements take arrays of ids, whose custom plans Postgres would
                // otherwise redo on every call (measured: a third of their time in planning).
                sessionSetup: "SET synchronous_commit = off; SET plan_cache_mode = force_generic_plan",
                batchBudget: configuration.batchBudget),
            now: { clock.now() }, logger: logger,
            batchHandler: { jobs, connection, isStopping in try handler.run(jobs, connection, isStopping: isStopping) })
    }

    /// Claims at once (new messages were queued).
    public func wake() { pool.wake() }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.pool.run() }
    }
}
