import Foundation
import Postgres

/// A job's kind: which handler runs it. Kinds are Herald's own constants, never user input.
public struct JobKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// The closed set of states a job row can be in (DESIGN.md, `jobs`).
public enum JobState: String, Sendable, CaseIterable {
    case available, running, completed, retryable, discarded
}

/// A job to create.
public struct NewJob: Sendable {
    public var kind: JobKind
    public var payload: PostgresJSON
    /// When it may run; nil means now.
    public var runAt: Date?
    public var maxAttempts: Int
    /// Jobs sharing a key run one at a time, in creation order.
    public var orderingKey: String?
    /// At most one live (available, retryable or running) job per kind and unique key; enqueuing
    /// another moves the live one's `runAt` later instead of adding a row.
    public var uniqueKey: String?

    public init(
        kind: JobKind, payload: PostgresJSON = PostgresJSON("{}"), runAt: Date? = nil, maxAttempts: Int = 8,
        orderingKey: String? = nil, uniqueKey: String? = nil
    ) {
        self.kind = kind
        self.payload = payload
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.orderingKey = orderingKey
        self.uniqueKey = uniqueKey
    }
}

/// A claimed job.
public struct Job: Sendable, Hashable {
    public var id: Int64
    public var kind: JobKind
    public var payload: PostgresJSON
    /// Attempts including this one.
    public var attempts: Int
    public var maxAttempts: Int
    public var orderingKey: String?
    public var uniqueKey: String?
    public var runAt: Date
}

/// What a handler decided about a job it ran (River's snooze/cancel, made explicit).
public enum JobOutcome: Sendable, Equatable {
    case completed
    /// Try again at the given time (counts as an attempt; discarded after `maxAttempts`).
    case retry(at: Date, error: String)
    /// Give up now, keeping the reason.
    case discard(error: String)
}
