import Curl
import Foundation
import HeraldCore
import JobQueue
import Logging
import Messenger
import Postgres

/// Sends one outbound message: pre-checks, the Graph call, the recorded outcome.
///
/// Runs on a send thread with that thread's connection; no transaction is open during the HTTP
/// call. Transient failures go back to the queue with backoff (Graph's own delay wins); after the
/// last attempt they fail with their reason.
struct SendMessageHandler: Sendable {
    /// Where and how to call Graph.
    struct Graph: Sendable {
        var baseURL: String
        var version: String
        /// Signs `appsecret_proof`; nil leaves it out.
        var appSecret: [UInt8]?
    }

    let graph: Graph
    let clock: any HeraldClock
    let retryBase: Duration
    let curl: CurlHandles
    /// For the HEAD size checks, apart from Graph's handles (SendWorker.Configuration.sizeProbe, with
    /// the address policy on every connection).
    let sizeProbes: CurlHandles
    /// Where supporters' URLs may lead (`HERALD_ALLOW_PRIVATE_URLS`).
    let urlPolicy: AddressPolicy
    let attempts: SendAttempts
    let logger: Logger

    /// What a claimed batch shares while its messages are sent one after another.
    private struct Batch {
        /// Accepted by Graph, recorded together once the batch is through.
        var sent: [SendAttempts.SentMessage] = []
        /// Pages Graph said have an expired token: their further messages fail without a call.
        var expiredPages: Set<String> = []
    }

    /// Sends a claimed batch (distinct conversations): every message started in one statement,
    /// sent one after another, the accepted ones recorded in one statement at the end. A crash
    /// before that record sends them again after the lease (at-least-once); the batch is what
    /// the thread expects to send within its `batchBudget`, so that is at most the sends of its
    /// last ~100 ms (16 at the most), one message when Graph is slow.
    func run(_ jobs: [Job], _ connection: PostgresConnection, isStopping: () -> Bool) throws -> [JobOutcome] {
        let messageIDs = jobs.map { SendJobPayload($0.payload)?.messageID }
        let started = try attempts.startAll(messageIDs: messageIDs.compactMap { $0 }, now: clock.now(), on: connection)
        var batch = Batch()
        var outcomes: [JobOutcome] = []
        for (job, messageID) in zip(jobs, messageIDs) {
            if isStopping() { break }
            guard let messageID else {
                outcomes.append(.discard(error: "payload is not {message_id}"))
                continue
            }
            do {
                outcomes.append(try handle(job, messageID, started[messageID]?.start ?? .skip, &batch, connection))
            } catch {
                // Most likely the connection broke: this job retries, the rest are handed back.
                outcomes.append(retry(job, messageID, after: error, connection))
                break
            }
        }
        try attempts.recordSent(batch.sent, now: clock.now(), on: connection)
        let unstarted = zip(jobs, messageIDs).dropFirst(outcomes.count).compactMap { _, messageID in
            messageID.flatMap { id in started[id].map { (messageID: id, previousStatus: $0.previousStatus) } }
        }
        try? attempts.unstart(unstarted, now: clock.now(), on: connection)
        return outcomes
    }

    /// A send that failed inside Herald retries after the usual backoff; on its last attempt the
    /// message fails now rather than stay `sending` for ever.
    private func retry(_ job: Job, _ messageID: Int64, after error: any Error, _ connection: PostgresConnection)
        -> JobOutcome
    {
        logger.warning(
            "send failed inside Herald; retrying later",
            metadata: ["herald.message.id": "\(messageID)", "herald.job.id": "\(job.id)", "herald.error": "\(error)"])
        let detail = String("\(error)".prefix(2000))
        if job.attempts >= job.maxAttempts {
            _ = try? attempts.abandon(
                messageID: messageID, detail: "the send failed inside Herald on its last attempt: \(detail)",
                now: clock.now(), on: connection)
            return .discard(error: detail)
        }
        let delay = JobQueue.backoff(attempt: job.attempts, base: retryBase)
        return .retry(at: clock.now().addingTimeInterval(delay.timeInterval), error: detail)
    }

    private func handle(
        _ job: Job, _ messageID: Int64, _ start: SendAttempts.Start, _ batch: inout Batch,
        _ connection: PostgresConnection
    ) throws -> JobOutcome {
        switch start {
        case .skip:
            return .completed
        case .send(let plan) where batch.expiredPages.contains(plan.pageID):
            return try failNow(
                messageID, reason: .tokenExpired, detail: "the page's access token expired; reconnect the page",
                connection)
        case .failNow(let reason, let detail):
            return try failNow(messageID, reason: reason, detail: detail, connection)
        case .send(let plan):
            return try send(plan, job: job, &batch, connection)
        }
    }

    private func failNow(_ messageID: Int64, reason: FailureReason, detail: String, _ connection: PostgresConnection)
        throws -> JobOutcome
    {
        let result = SendAttempts.Result.failed(reason: reason, detail: detail, graphCode: nil, graphSubcode: nil)
        try attempts.record(result, messageID: messageID, previousStatus: .queued, now: clock.now(), on: connection)
        WorkerMetrics.sendResult(result, final: true)
        logger.info(
            "message failed before sending",
            metadata: ["herald.message.id": "\(messageID)", "herald.failure.reason": "\(reason.rawValue)"])
        return .completed
    }

    private func send(
        _ plan: SendAttempts.SendPlan, job: Job, _ batch: inout Batch, _ connection: PostgresConnection
    ) throws -> JobOutcome {
        let (outcome, urls) = call(plan)
        let now = clock.now()
        let result = Self.result(of: outcome)
        if case .sent(let mid) = result {
            WorkerMetrics.sendResult(result, final: true)
            batch.sent.append(SendAttempts.SentMessage(messageID: plan.messageID, mid: mid, sentAt: now))
            return .completed
        }
        let failure = outcome.failure
        let retriesLeft =
            job.attempts < job.maxAttempts
            && failure.map { f in f.maxRetries.map { job.attempts <= $0 } ?? true } ?? false
        let final = !retriesLeft
        WorkerMetrics.sendResult(result, final: final)
        // The page first: once the message shows failed, its page already shows expired.
        if failure?.reason == .tokenExpired {
            try attempts.markPageExpired(plan.pageID, now: now, on: connection)
            batch.expiredPages.insert(plan.pageID)
        }
        try attempts.record(
            result, messageID: plan.messageID, previousStatus: plan.previousStatus, final: final, urls: urls, now: now,
            on: connection)
        let metadata: Logger.Metadata = [
            "herald.message.id": "\(plan.messageID)", "herald.job.id": "\(job.id)",
            "herald.failure.reason": "\(failure?.reason.rawValue ?? "")", "herald.graph.code": "\(failure?.code ?? 0)",
        ]
        switch result {
        case .sent:
            return .completed
        case .failed:
            logger.info("message failed", metadata: metadata)
            return .completed
        case .transient(_, let detail, _, _):
            guard !final else {
                // The message shows the failure; the job says it gave up (discarded, with the last
                // error), so `herald_jobs_discarded_total` counts sends that ran out of retries.
                logger.warning("message failed after its last attempt", metadata: metadata)
                return .discard(error: detail)
            }
            let delay = JobQueue.backoff(attempt: job.attempts, base: retryBase, serverDelay: failure?.retryAfter)
            return .retry(at: now.addingTimeInterval(delay.timeInterval), error: detail)
        }
    }

    /// The Graph call, or the failure that stands for it (bad stored content, network errors),
    /// and the content's URLs when Graph refused one of them (finding URLs in a text costs more
    /// than the rest of the bookkeeping, and only a blocked URL needs them).
    private func call(_ plan: SendAttempts.SendPlan) -> (GraphSendOutcome, [String]) {
        let content: OutboundContent
        do {
            content = try plan.content.decode(OutboundContent.self)
        } catch {
            return (
                .failed(
                    GraphFailure(reason: .invalidFormat, isTransient: false, detail: "stored content cannot be read")),
                []
            )
        }
        let outcome = callGraph(plan, content)
        return (outcome, outcome.failure?.reason == .urlBlacklisted ? content.urls : [])
    }

    private func callGraph(_ plan: SendAttempts.SendPlan, _ content: OutboundContent) -> GraphSendOutcome {
        if let violation = content.formatViolation() {
            return .failed(GraphFailure(reason: .invalidFormat, isTransient: false, detail: violation.detail))
        }
        if let violation = content.addressViolation(urlPolicy) {
            return notPubliclyReachable(violation, plan)
        }
        switch sizeCheck(content) {
        case .unknownOrWithinLimit:
            break
        case .tooLarge(let violation):
            return .failed(GraphFailure(reason: .fileTooLarge, isTransient: false, detail: violation.detail))
        case .notPubliclyReachable(let field):
            return notPubliclyReachable(.notPubliclyReachable(field: field), plan)
        }
        let request = HTTPRequest.json(
            .post,
            url: GraphSendRequest.url(
                graphBaseURL: graph.baseURL, version: graph.version, accessToken: plan.accessToken,
                appSecret: graph.appSecret),
            body: GraphSendRequest.body(
                recipientPSID: plan.psid, content: content,
                metadata: "\(IngestPlan.heraldMetadataPrefix)\(plan.messageID)",
                messagingType: plan.messagingType))
        let started = ContinuousClock.now
        defer { WorkerMetrics.graphRequest(ContinuousClock.now - started) }
        do {
            let response = try curl.withHandle { try $0.perform(request) }
            return GraphResponse.classify(
                httpStatus: response.status, body: response.body, headers: response.headers.map { ($0.name, $0.value) })
        } catch let error as CurlError {
            return .failed(GraphResponse.networkFailure(description: "\(error)", isTimeout: error.isTimeout))
        } catch {
            return .failed(GraphResponse.networkFailure(description: "\(error)", isTimeout: false))
        }
    }

    /// `invalid_format` for a URL that leads to an address the policy refuses; logged (field, not
    /// URL: a URL may carry a token) so an operator can tell an attempt from a misconfiguration.
    private func notPubliclyReachable(_ violation: FormatViolation, _ plan: SendAttempts.SendPlan) -> GraphSendOutcome {
        logger.notice(
            "message refused: its URL is not publicly reachable (see HERALD_ALLOW_PRIVATE_URLS)",
            metadata: ["herald.message.id": "\(plan.messageID)", "herald.field": "\(violation.field)"])
        return .failed(GraphFailure(reason: .invalidFormat, isTransient: false, detail: violation.detail))
    }

    /// What the size check found.
    private enum SizeCheck {
        /// Within the limit, or not measured (no URL to measure, or no usable answer).
        case unknownOrWithinLimit
        case tooLarge(SizeViolation)
        /// The HEAD would have connected to an address the URL policy refuses (the URL's host, or
        /// a redirect's, resolves to one); no connection was made to it.
        case notPubliclyReachable(field: String)
    }

    /// Files without a declared size, and images, are measured with a HEAD request; a server that
    /// does not answer it leaves the decision to Graph. The HEAD connects only to addresses the
    /// URL policy allows, checked by libcurl's open-socket callback on the address it connects
    /// to, on every redirect hop (`SendWorker.Configuration.sizeProbe`).
    private func sizeCheck(_ content: OutboundContent) -> SizeCheck {
        if let violation = content.sizeViolation() { return .tooLarge(violation) }
        let url: String?
        let field: String
        switch content {
        case .file(let file) where file.sizeBytes == nil: (url, field) = (file.url, "file.url")
        case .image(let image): (url, field) = (image.url, "image.url")
        default: (url, field) = (nil, "")
        }
        guard let url else { return .unknownOrWithinLimit }
        let response: HTTPResponse
        do {
            response = try sizeProbes.withHandle { try $0.perform(HTTPRequest(method: .head, url: url)) }
        } catch let error as CurlError where error.isAddressRefused {
            return .notPubliclyReachable(field: field)
        } catch {
            return .unknownOrWithinLimit
        }
        guard (200..<300).contains(response.status),
            let length = response.header("Content-Length").flatMap(Int.init),
            let violation = content.sizeViolation(measuredBytes: length)
        else { return .unknownOrWithinLimit }
        return .tooLarge(violation)
    }

    static func result(of outcome: GraphSendOutcome) -> SendAttempts.Result {
        switch outcome {
        case .sent(let mid, _):
            return .sent(mid: mid)
        case .failed(let failure):
            let reason = failure.reason
            return failure.isTransient
                ? .transient(
                    reason: reason, detail: failure.detail, graphCode: failure.code, graphSubcode: failure.subcode)
                : .failed(
                    reason: reason, detail: failure.detail, graphCode: failure.code, graphSubcode: failure.subcode)
        }
    }
}
