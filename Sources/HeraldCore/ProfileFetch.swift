import Foundation
import JobQueue
import Messenger
import Postgres

/// The `fetch_profile` job (`ProfileRefresh` enqueues it): read the page's token, call the User
/// Profile API (the worker does, on its own threads, no transaction open), record the answer.
///
/// A profile ends `fetched`; a refusal (no permission, the person is gone) ends `unavailable`
/// with Graph's error kept in `profile_error` (the last fetched name, if any, stays); throttling
/// and outages retry with `JobQueue.backoff` (Graph's own delay wins) and leave the profile
/// `pending`; a token error (190, 102) marks the page expired exactly as a send does
/// (`SendAttempts.markPageExpired`), and reconnecting the page schedules the profile again.
public struct ProfileFetch: Sendable {
    /// `HERALD_RETRY_BASE_SECONDS`: retry n waits base × 4^(n−1) ± 20 %, capped at an hour.
    public let retryBase: Duration
    /// `HERALD_TOKEN_KEY`, to open sealed page tokens.
    public let tokenKey: [UInt8]?

    public init(retryBase: Duration = .seconds(10), tokenKey: [UInt8]? = nil) {
        self.retryBase = retryBase
        self.tokenKey = tokenKey
    }

    /// What one profile call works with. Never encoded or logged: it holds the token.
    public struct Target: Sendable, Hashable {
        public var pageID: String
        public var psid: String
        public var accessToken: String
    }

    /// What a claimed job does next.
    public enum Start: Sendable, Equatable {
        /// Call Graph for this target, then `finish`.
        case fetch(Target)
        /// Nothing to call: the job ends so.
        case finished(JobOutcome)
    }

    private struct Payload: Decodable {
        var pageID: String
        var psid: String

        enum CodingKeys: String, CodingKey {
            case pageID = "page_id"
            case psid
        }
    }

    /// Reads what a claimed job needs.
    public func start(_ job: Job, on connection: PostgresConnection) throws -> Start {
        guard let payload = try? job.payload.decode(Payload.self) else {
            return .finished(.discard(error: "payload is not {page_id, psid}"))
        }
        let rows = try connection.query(
            "SELECT access_token, token_encrypted, token_status FROM pages WHERE id = $1", [payload.pageID])
        guard let row = try rows.singleRow(), let stored = try row.decode(0, as: [UInt8]?.self) else {
            return .finished(.discard(error: "the page is not connected"))
        }
        // Reconnecting the page schedules the customers still without a profile.
        if try row.decode(2, as: String.self) != "valid" { return .finished(.completed) }
        guard let token = PageToken.open(stored, encrypted: try row.decode(1, as: Bool.self), key: tokenKey) else {
            return .finished(
                .discard(error: "the page's token is sealed and HERALD_TOKEN_KEY on herald work does not open it"))
        }
        return .fetch(Target(pageID: payload.pageID, psid: payload.psid, accessToken: token))
    }

    /// Records the call's answer (one transaction) and says what becomes of the job.
    public func finish(
        _ job: Job, _ outcome: GraphUserProfile.Outcome, for target: Target, now: Date,
        on connection: PostgresConnection
    ) throws -> JobOutcome {
        try connection.transaction { connection in
            switch outcome {
            case .fetched(let profile):
                try connection.query(
                    """
                    UPDATE customers SET first_name = $3, last_name = $4, name = $5, profile_pic = $6,
                                         profile_status = \(ProfileStatus.fetched.sql), profile_fetched_at = $7,
                                         profile_error = NULL
                    WHERE page_id = $1 AND psid = $2
                    """,
                    [
                        target.pageID, target.psid, profile.firstName, profile.lastName, profile.name,
                        profile.profilePic, now,
                    ])
                return .completed
            case .failed(let failure) where failure.reason == .tokenExpired:
                try SendAttempts().markPageExpired(target.pageID, now: now, on: connection)
                try recordError(failure, target, connection)
                return .completed
            case .failed(let failure) where !failure.isTransient:
                try connection.query(
                    """
                    UPDATE customers SET profile_status = \(ProfileStatus.unavailable.sql), profile_fetched_at = $3,
                                         profile_error = $4
                    WHERE page_id = $1 AND psid = $2
                    """, [target.pageID, target.psid, now, Self.describe(failure)])
                return .completed
            case .failed(let failure):
                try recordError(failure, target, connection)
                if job.attempts >= job.maxAttempts { return .discard(error: failure.detail) }
                let delay = JobQueue.backoff(attempt: job.attempts, base: retryBase, serverDelay: failure.retryAfter)
                return .retry(at: now.addingTimeInterval(delay.timeInterval), error: failure.detail)
            }
        }
    }

    /// Graph's error as kept: code, subcode, HTTP status and message (never the token or URL).
    static func describe(_ failure: GraphFailure) -> String {
        String(failure.description.prefix(1000))
    }

    /// Notes a failure that leaves the profile as it was (`pending`, or an older profile).
    private func recordError(_ failure: GraphFailure, _ target: Target, _ connection: PostgresConnection) throws {
        try connection.query(
            "UPDATE customers SET profile_error = $3 WHERE page_id = $1 AND psid = $2",
            [target.pageID, target.psid, Self.describe(failure)])
    }
}
