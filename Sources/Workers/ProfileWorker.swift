import Curl
import Foundation
import HeraldCore
import JobQueue
import Logging
import Messenger
import Postgres
import ServiceLifecycle

/// `herald work`'s profile pool: runs `fetch_profile` jobs (`ProfileFetch`) on threads of its own,
/// each with its own database connection and a reusable libcurl handle, so neither the Graph
/// call nor libpq ever runs on Swift's cooperative pool. No transaction is open during the call.
public final class ProfileWorker: Service, Sendable {
    /// Profile configuration.
    public struct Configuration: Sendable {
        public var graphURL: String
        public var graphVersion: String
        /// Signs `appsecret_proof`; nil leaves it out.
        public var appSecret: [UInt8]?
        /// Threads calling Graph. Default 2: profiles are background work, sends come first.
        public var threads: Int
        public var lease: Duration
        /// `HERALD_RETRY_BASE_SECONDS`.
        public var retryBase: Duration
        /// `HERALD_TOKEN_KEY`.
        public var tokenKey: [UInt8]?
        public var curl: CurlConfiguration

        public init(
            graphURL: String, graphVersion: String, appSecret: [UInt8]?, threads: Int = 2,
            lease: Duration = .seconds(30),
            retryBase: Duration = .seconds(10), tokenKey: [UInt8]? = nil,
            curl: CurlConfiguration = CurlConfiguration(connectTimeout: .seconds(5), totalTimeout: .seconds(10))
        ) {
            self.graphURL = graphURL
            self.graphVersion = graphVersion
            self.appSecret = appSecret
            self.threads = threads
            self.lease = lease
            self.retryBase = retryBase
            self.tokenKey = tokenKey
            self.curl = curl
        }
    }

    private let pool: JobWorkerPool

    public init(
        database: PostgresConfiguration, configuration: Configuration, jobQueue: JobQueue = JobQueue(),
        clock: any HeraldClock = SystemClock(), pollInterval: Duration = .seconds(1), logger: Logger
    ) {
        let handler = FetchProfileHandler(
            configuration: configuration,
            fetch: ProfileFetch(retryBase: configuration.retryBase, tokenKey: configuration.tokenKey),
            curl: CurlHandles(configuration: configuration.curl), clock: clock, logger: logger)
        pool = JobWorkerPool(
            postgres: database, queue: jobQueue,
            configuration: .init(
                kinds: [ProfileRefresh.kind], threads: configuration.threads, batchSize: 4, lease: configuration.lease,
                pollInterval: pollInterval, retryBase: configuration.retryBase),
            now: { clock.now() }, logger: logger,
            handler: { job, connection in try handler.run(job, connection) })
    }

    /// Claims at once (jobs were enqueued).
    public func wake() { pool.wake() }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.pool.run() }
    }
}

/// One `fetch_profile` job on a pool thread: start, the Graph call, finish.
struct FetchProfileHandler: Sendable {
    let configuration: ProfileWorker.Configuration
    let fetch: ProfileFetch
    let curl: CurlHandles
    let clock: any HeraldClock
    let logger: Logger

    func run(_ job: Job, _ connection: PostgresConnection) throws -> JobOutcome {
        let target: ProfileFetch.Target
        switch try fetch.start(job, on: connection) {
        case .finished(let outcome): return outcome
        case .fetch(let fetchTarget): target = fetchTarget
        }
        let outcome = call(target)
        let jobOutcome = try fetch.finish(job, outcome, for: target, now: clock.now(), on: connection)
        log(outcome, jobOutcome, job: job, target: target)
        return jobOutcome
    }

    private func call(_ target: ProfileFetch.Target) -> GraphUserProfile.Outcome {
        let url = GraphUserProfile.url(
            graphBaseURL: configuration.graphURL, version: configuration.graphVersion, psid: target.psid,
            accessToken: target.accessToken, appSecret: configuration.appSecret)
        do {
            let response = try curl.withHandle { try $0.perform(HTTPRequest(method: .get, url: url)) }
            return GraphUserProfile.outcome(
                httpStatus: response.status, body: response.body, headers: response.headers.map { ($0.name, $0.value) })
        } catch let error as CurlError {
            // CurlError names the host, never the URL's query (which holds the token).
            return .failed(GraphResponse.networkFailure(description: "\(error)", isTimeout: error.isTimeout))
        } catch {
            return .failed(GraphResponse.networkFailure(description: "\(error)", isTimeout: false))
        }
    }

    private func log(
        _ outcome: GraphUserProfile.Outcome, _ jobOutcome: JobOutcome, job: Job, target: ProfileFetch.Target
    ) {
        guard let failure = outcome.failure else { return }
        let metadata: Logger.Metadata = [
            "herald.page.id": "\(target.pageID)", "herald.job.id": "\(job.id)", "herald.job.attempt": "\(job.attempts)",
            "herald.graph.code": "\(failure.code ?? 0)", "herald.failure.reason": "\(failure.reason.rawValue)",
        ]
        switch jobOutcome {
        case .retry: logger.info("profile fetch failed for now; retrying later", metadata: metadata)
        case .discard: logger.warning("profile fetch gave up after its last attempt", metadata: metadata)
        default:
            if failure.reason == .tokenExpired {
                logger.warning(
                    "profile fetch found the page's token expired; the page is marked expired", metadata: metadata)
            } else {
                logger.info("profile unavailable: Graph refused it", metadata: metadata)
            }
        }
    }
}
