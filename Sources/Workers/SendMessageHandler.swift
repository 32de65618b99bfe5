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
    let attempts: SendAttempts
    let logger: Logger

    private struct Payload: Decodable {
        var message_id: Int64
    }

    func handle(_ job: Job, _ connection: PostgresConnection) throws -> JobOutcome {
        guard let payload = try? job.payload.decode(Payload.self) else {
            return .discard(error: "payload is not {message_id}")
        }
        do {
            return try handle(job, payload, connection)
        } catch where job.attempts >= job.maxAttempts {
            // The pool will discard this job: settle the message now rather than leave it sending.
            _ = try? attempts.abandon(
                messageID: payload.message_id, detail: "the send failed inside Herald on its last attempt: \(error)",
                now: clock.now(), on: connection)
            throw error
        }
    }

    private func handle(_ job: Job, _ payload: Payload, _ connection: PostgresConnection) throws -> JobOutcome {
        var logger = self.logger
        logger[metadataKey: "herald.message.id"] = "\(payload.message_id)"
        logger[metadataKey: "herald.job.id"] = "\(job.id)"
        switch try attempts.start(messageID: payload.message_id, now: clock.now(), on: connection) {
        case .skip:
            return .completed
        case .failNow(let reason, let detail):
            let result = SendAttempts.Result.failed(reason: reason, detail: detail, graphCode: nil, graphSubcode: nil)
            try attempts.record(result, messageID: payload.message_id, previousStatus: "queued", now: clock.now(), on: connection)
            WorkerMetrics.sendResult(result, final: true)
            logger.info("message failed before sending", metadata: ["herald.failure.reason": "\(reason.rawValue)"])
            return .completed
        case .send(let plan):
            return try send(plan, job: job, logger: logger, connection)
        }
    }

    private func send(_ plan: SendAttempts.SendPlan, job: Job, logger: Logger, _ connection: PostgresConnection) throws -> JobOutcome {
        let (outcome, urls) = call(plan, logger: logger)
        let now = clock.now()
        let result = Self.result(of: outcome)
        let failure = outcome.failure
        let retriesLeft = job.attempts < job.maxAttempts && failure.map { f in f.maxRetries.map { job.attempts <= $0 } ?? true } ?? false
        let final = !retriesLeft
        // The page first: once the message shows failed, its page already shows expired.
        if failure?.reason == .tokenExpired {
            try attempts.markPageExpired(plan.pageID, now: now, on: connection)
        }
        try attempts.record(
            result, messageID: plan.messageID, previousStatus: plan.previousStatus, final: final, urls: urls, now: now,
            on: connection)
        WorkerMetrics.sendResult(result, final: final)
        switch result {
        case .sent:
            logger.debug("message sent")
            return .completed
        case .failed(let reason, _, let code, _):
            logger.info("message failed", metadata: ["herald.failure.reason": "\(reason.rawValue)", "herald.graph.code": "\(code ?? 0)"])
            return .completed
        case .transient(let reason, let detail, _, _):
            guard !final else {
                logger.warning("message failed after its last attempt", metadata: ["herald.failure.reason": "\(reason.rawValue)"])
                return .completed
            }
            let delay = JobQueue.backoff(attempt: job.attempts, base: retryBase, serverDelay: failure?.retryAfter)
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            return .retry(at: now.addingTimeInterval(seconds), error: detail)
        }
    }

    /// The Graph call, or the failure that stands for it (bad stored content, network errors),
    /// and the content's URLs when Graph refused one of them (finding URLs in a text costs more
    /// than the rest of the bookkeeping, and only a blocked URL needs them).
    private func call(_ plan: SendAttempts.SendPlan, logger: Logger) -> (GraphSendOutcome, [String]) {
        let content: OutboundContent
        do {
            content = try plan.content.decode(OutboundContent.self)
        } catch {
            return (.failed(GraphFailure(reason: .invalidFormat, isTransient: false, detail: "stored content cannot be read")), [])
        }
        let outcome = callGraph(plan, content)
        return (outcome, outcome.failure?.reason == .urlBlacklisted ? content.urls : [])
    }

    private func callGraph(_ plan: SendAttempts.SendPlan, _ content: OutboundContent) -> GraphSendOutcome {
        if let violation = content.formatViolation() {
            return .failed(GraphFailure(reason: .invalidFormat, isTransient: false, detail: violation.detail))
        }
        if let violation = sizeCheck(content) {
            return .failed(GraphFailure(reason: .fileTooLarge, isTransient: false, detail: violation.detail))
        }
        let request = HTTPRequest.json(
            .post,
            url: GraphSendRequest.url(
                graphBaseURL: graph.baseURL, version: graph.version, accessToken: plan.accessToken, appSecret: graph.appSecret),
            body: GraphSendRequest.body(
                recipientPSID: plan.psid, content: content, metadata: "\(IngestPlan.heraldMetadataPrefix)\(plan.messageID)",
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

    /// Files without a declared size, and images, are measured with a HEAD request; a server that
    /// does not answer it leaves the decision to Graph.
    private func sizeCheck(_ content: OutboundContent) -> SizeViolation? {
        if let violation = content.sizeViolation() { return violation }
        let url: String?
        switch content {
        case .file(let file) where file.sizeBytes == nil: url = file.url
        case .image(let image): url = image.url
        default: url = nil
        }
        guard let url,
            let response = try? curl.withHandle({ try $0.perform(HTTPRequest(method: .head, url: url)) }),
            (200..<300).contains(response.status),
            let length = response.header("Content-Length").flatMap(Int.init)
        else { return nil }
        return content.sizeViolation(measuredBytes: length)
    }

    static func result(of outcome: GraphSendOutcome) -> SendAttempts.Result {
        switch outcome {
        case .sent(let mid, _):
            return .sent(mid: mid)
        case .failed(let failure):
            let reason = failure.reason
            return failure.isTransient
                ? .transient(reason: reason, detail: failure.detail, graphCode: failure.code, graphSubcode: failure.subcode)
                : .failed(reason: reason, detail: failure.detail, graphCode: failure.code, graphSubcode: failure.subcode)
        }
    }
}
