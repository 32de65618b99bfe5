import Foundation
import Postgres

/// A job's kind: which handler runs it. Kinds are Herald's own constants, never user input.
public struct JobKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

}

/// The closed set of states a job row can be in (docs/design.md, Data model, `jobs`).
///
/// `available`, `retryable` and `running` are *live*: they hold unique keys and block newer jobs
/// of their ordering key. `completed` and `discarded` are final and kept until pruned.
public enum JobState: String, Sendable, CaseIterable {
    case available, running, completed, retryable, discarded

    /// True for the states a job can still leave.
    public var isLive: Bool { self == .available || self == .retryable || self == .running }
}

/// A job to create.
public struct NewJob: Sendable {
    public var kind: JobKind
    public var payload: PostgresJSON
    /// When it may run; nil means now.
    public var runAt: Date?
    public var maxAttempts: Int
    /// Jobs sharing a key run one at a time, in creation (id) order, whatever their kinds; jobs
    /// with different keys, or none, run in parallel.
    public var orderingKey: String?
    /// At most one live (available, retryable or running) job per kind and unique key; enqueuing
    /// another moves the live one's `runAt` later instead of adding a row. A running one that
    /// completes with its `runAt` moved into the future runs again then (`JobQueue.record`).
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
    /// Attempts including this one: counted when the job is claimed, so a job whose worker dies
    /// still uses up an attempt. Also identifies this claim when the outcome is recorded.
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
    /// `JobQueue.backoff` computes the usual delay.
    case retry(at: Date, error: String)
    /// Give up now, keeping the reason.
    case discard(error: String)
    /// Run again at the given time without using up an attempt (the job was not due after all).
    case snooze(until: Date)
}
