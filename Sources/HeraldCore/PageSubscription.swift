import Foundation
import JobQueue
import Messenger
import Postgres

/// Subscribing connected pages to the app's webhooks, and the `subscribe_page` job that retries
/// it (docs/design.md, "Connecting a page").
///
/// `PUT /admin/pages/{id}` calls `request` inside the connect transaction: the page's
/// `subscribed_fields` and `subscription_error` are cleared and a `subscribe_page` job (unique per
/// page) is enqueued to run `inlineGrace` later. The gateway then calls Graph itself and records
/// the answer with `settleInline`: subscribed, or refused for good, completes the job unrun; a
/// transient failure moves it to the first backoff. So the admin sees Graph's answer in the PUT's
/// answer, and a gateway that dies before recording it leaves the job to subscribe the page.
///
/// The job (`start`, then the Graph call, then `finish`) retries transient failures with
/// `JobQueue.backoff` until subscribed or out of attempts. Every page write is guarded by the
/// stored token bytes the call used: a reconnect meanwhile (new bytes; a sealed token gets a new
/// nonce each time) makes the older answer a no-op.
public struct PageSubscription: Sendable {
    public static let kind = JobKind("subscribe_page")

    /// How long the job waits behind the gateway's own call: longer than that call may take
    /// (the gateway's Graph client gives up after 10 s), so the two never overlap.
    public static let inlineGrace: TimeInterval = 60

    public let jobQueue: JobQueue
    /// The job's attempts (`HERALD_MAX_ATTEMPTS`), after the gateway's own call.
    public let maxAttempts: Int
    /// `HERALD_RETRY_BASE_SECONDS`: retry n waits base × 4^(n−1) ± 20 % (capped at an hour; a longer
    /// delay Graph asks for wins). The gateway's call counts as the first attempt.
    public let retryBase: Duration
    /// `HERALD_TOKEN_KEY`, to open sealed page tokens in the job.
    public let tokenKey: [UInt8]?

    public init(
        jobQueue: JobQueue = JobQueue(), maxAttempts: Int = 8, retryBase: Duration = .seconds(10),
        tokenKey: [UInt8]? = nil
    ) {
        self.jobQueue = jobQueue
        self.maxAttempts = maxAttempts
        self.retryBase = retryBase
        self.tokenKey = tokenKey
    }

    /// What one subscription call works with. Never encoded or logged: it holds the token.
    public struct Target: Sendable, Hashable {
        public var pageID: String
        public var accessToken: String
        /// `pages.access_token` as stored when the call started: the guard on every write.
        public var storedToken: [UInt8]

        public init(pageID: String, accessToken: String, storedToken: [UInt8]) {
            self.pageID = pageID
            self.accessToken = accessToken
            self.storedToken = storedToken
        }
    }

    private struct Payload: Codable {
        var pageID: String

        enum CodingKeys: String, CodingKey {
            case pageID = "page_id"
        }
    }

    static func payload(pageID: String) -> PostgresJSON {
        // A struct of one string: encoding cannot fail.
        PostgresJSON(bytes: Array(try! JSONEncoder().encode(Payload(pageID: pageID))))
    }

    // MARK: - Connecting

    /// Inside the connect transaction, after the page row was written: the subscription starts
    /// over (both fields null: in progress) and a fresh job, with a full budget of attempts,
    /// waits `inlineGrace` for the caller's own call. A pending retry of an earlier connection is
    /// replaced; one that is running right now is re-armed by the enqueue and finds the page's
    /// state when it runs again.
    func request(pageID: String, now: Date, on connection: PostgresConnection) throws {
        try connection.query(
            "UPDATE pages SET subscribed_fields = NULL, subscription_error = NULL WHERE id = $1", [pageID])
        try jobQueue.completeUnclaimed(kind: Self.kind, uniqueKey: pageID, now: now, on: connection)
        try jobQueue.enqueue(
            [
                NewJob(
                    kind: Self.kind, payload: Self.payload(pageID: pageID),
                    runAt: now.addingTimeInterval(Self.inlineGrace),
                    maxAttempts: maxAttempts, uniqueKey: pageID)
            ],
            now: now, on: connection)
    }

    /// Records the gateway's own call (its transaction): the page's fields, and the job completed
    /// unrun (subscribed, or refused for good) or moved to the first retry (transient). Returns
    /// false when the page was reconnected meanwhile: the newer connection's answer stands.
    public func settleInline(
        _ outcome: GraphPageSubscription.Outcome, for target: Target, now: Date, on connection: PostgresConnection
    ) throws -> Bool {
        switch outcome {
        case .subscribed(let fields):
            guard try recordSubscribed(fields, target, now, connection) else { return false }
            try jobQueue.completeUnclaimed(kind: Self.kind, uniqueKey: target.pageID, now: now, on: connection)
        case .failed(let failure) where !failure.isTransient:
            guard try recordRefused(failure, target, now, connection) else { return false }
            try jobQueue.completeUnclaimed(kind: Self.kind, uniqueKey: target.pageID, now: now, on: connection)
        case .failed(let failure):
            guard try recordError(Self.retrying(failure), target, now, connection) else { return false }
            let delay = JobQueue.backoff(attempt: 1, base: retryBase, serverDelay: failure.retryAfter)
            try jobQueue.rescheduleUnclaimed(
                kind: Self.kind, uniqueKey: target.pageID, runAt: now.addingTimeInterval(delay.timeInterval),
                error: failure.detail, on: connection)
        }
        return true
    }

    // MARK: - The job

    /// What a claimed job does next.
    public enum Start: Sendable, Equatable {
        /// Call Graph for this target, then `finish`.
        case subscribe(Target)
        /// Nothing to call: record this outcome.
        case finished(JobOutcome)
    }

    /// Reads what a claimed job needs (inside its claim's transaction).
    public func start(_ job: Job, now: Date, on connection: PostgresConnection) throws -> Start {
        guard let payload = try? job.payload.decode(Payload.self) else {
            return .finished(.discard(error: "payload is not {page_id}"))
        }
        let rows = try connection.query(
            """
            SELECT access_token, token_encrypted, token_status, subscribed_fields IS NOT NULL
            FROM pages WHERE id = $1 FOR UPDATE
            """, [payload.pageID])
        guard let row = try rows.singleRow(), let stored = try row.decode(0, as: [UInt8]?.self) else {
            return .finished(.discard(error: "the page is not connected"))
        }
        // Already subscribed for this connection (the gateway's call succeeded after all).
        if try row.decode(3, as: Bool.self) { return .finished(.completed) }
        let target = Target(pageID: payload.pageID, accessToken: "", storedToken: stored)
        if try row.decode(2, as: String.self) == "expired" {
            let detail = "the page's access token expired; reconnect the page to subscribe it"
            try recordError(detail, target, now, connection)
            return .finished(.completed)
        }
        guard let token = PageToken.open(stored, encrypted: try row.decode(1, as: Bool.self), key: tokenKey) else {
            // A configuration problem of this worker (HERALD_TOKEN_KEY), which a retry may outlive.
            let failure = GraphFailure(
                reason: .unknown, isTransient: true,
                detail: "the page's token is sealed and HERALD_TOKEN_KEY on herald work does not open it")
            return .finished(try retryOrGiveUp(job, failure, target, now, connection))
        }
        return .subscribe(Target(pageID: payload.pageID, accessToken: token, storedToken: stored))
    }

    /// Records the job's call (its own transaction) and says what becomes of the job: completed
    /// once subscribed or refused for good, retried after the backoff while transient failures
    /// have attempts left, discarded after the last.
    public func finish(
        _ job: Job, _ outcome: GraphPageSubscription.Outcome, for target: Target, now: Date,
        on connection: PostgresConnection
    ) throws -> JobOutcome {
        switch outcome {
        case .subscribed(let fields):
            try recordSubscribed(fields, target, now, connection)
            return .completed
        case .failed(let failure) where !failure.isTransient:
            try recordRefused(failure, target, now, connection)
            return .completed
        case .failed(let failure):
            return try retryOrGiveUp(job, failure, target, now, connection)
        }
    }

    private func retryOrGiveUp(
        _ job: Job, _ failure: GraphFailure, _ target: Target, _ now: Date, _ connection: PostgresConnection
    ) throws -> JobOutcome {
        let final = job.attempts >= job.maxAttempts
        let detail =
            final
            ? "\(failure.detail) (gave up after \(job.attempts + 1) tries; reconnect the page to try again)"
            : Self.retrying(failure)
        // Reconnected meanwhile: that connection re-armed this job (the enqueue moved its run_at),
        // and completing it lets the engine run it again then.
        guard try recordError(detail, target, now, connection) else { return .completed }
        if final { return .discard(error: failure.detail) }
        // The gateway's call was attempt 1, so this job's attempt n was attempt n + 1.
        let delay = JobQueue.backoff(attempt: job.attempts + 1, base: retryBase, serverDelay: failure.retryAfter)
        return .retry(at: now.addingTimeInterval(delay.timeInterval), error: failure.detail)
    }

    static func retrying(_ failure: GraphFailure) -> String {
        "\(failure.detail) (temporary; retrying)"
    }

    // MARK: - The page

    @discardableResult
    private func recordSubscribed(_ fields: [String], _ target: Target, _ now: Date, _ connection: PostgresConnection)
        throws
        -> Bool
    {
        try connection.query(
            """
            UPDATE pages SET subscribed_fields = $3::text[], subscription_error = NULL, updated_at = $4
            WHERE id = $1 AND access_token = $2
            """, [target.pageID, target.storedToken, PostgresArrayLiteral.text(fields), now]
        ).affectedRows == 1
    }

    /// A permanent refusal; a token error (190, 102) also marks the page expired, as a send's
    /// does (`SendAttempts.markPageExpired`): its sends then fail `token_expired` unsent until
    /// an admin reconnects it.
    @discardableResult
    private func recordRefused(_ failure: GraphFailure, _ target: Target, _ now: Date, _ connection: PostgresConnection)
        throws -> Bool
    {
        let expired = failure.reason == .tokenExpired
        return try connection.query(
            """
            UPDATE pages SET subscribed_fields = NULL, subscription_error = $3, updated_at = $4,
                             token_status = CASE WHEN $5 THEN 'expired' ELSE token_status END,
                             token_expired_at = CASE WHEN $5 AND token_status = 'valid' THEN $4 ELSE token_expired_at END
            WHERE id = $1 AND access_token = $2
            """, [target.pageID, target.storedToken, failure.detail, now, expired]
        ).affectedRows == 1
    }

    @discardableResult
    private func recordError(_ detail: String, _ target: Target, _ now: Date, _ connection: PostgresConnection) throws
        -> Bool
    {
        try connection.query(
            """
            UPDATE pages SET subscribed_fields = NULL, subscription_error = $3, updated_at = $4
            WHERE id = $1 AND access_token = $2
            """, [target.pageID, target.storedToken, detail, now]
        ).affectedRows == 1
    }
}
