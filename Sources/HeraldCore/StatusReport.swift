import Foundation

/// What `herald status` reads, all from one snapshot of the database (`StatusReader`): the
/// webhook and job backlogs, pages, blocked URLs and recent send failures. Counts are exact
/// unless their name ends in `_estimate` (from `pg_class`, where counting would read millions of
/// rows); ages are whole seconds, nil when nothing is waiting.
public struct StatusReport: Sendable, Hashable {
    /// Stored webhooks.
    public struct Webhooks: Sendable, Hashable {
        public var pending: Int
        public var parked: Int
        /// How long the oldest due pending event has waited since it became due (received,
        /// retried, or its backoff over); nil when none is due.
        public var oldestPendingAgeSeconds: Int?
        /// Processed events kept for replay, estimated from the planner's statistics; nil until
        /// Postgres has analyzed the table once.
        public var processedEstimate: Int?

        public init(pending: Int, parked: Int, oldestPendingAgeSeconds: Int?, processedEstimate: Int?) {
            self.pending = pending
            self.parked = parked
            self.oldestPendingAgeSeconds = oldestPendingAgeSeconds
            self.processedEstimate = processedEstimate
        }
    }

    /// Live jobs of one kind.
    public struct Jobs: Sendable, Hashable {
        /// Waiting for a worker, due now or scheduled later (inactivity checks wait a day).
        public var available: Int
        public var running: Int
        /// Failed for now, waiting for their backoff.
        public var retryable: Int
        /// How long the oldest due job (available or retryable) has waited past its run time;
        /// nil when none is due.
        public var oldestAvailableAgeSeconds: Int?

        public init(available: Int = 0, running: Int = 0, retryable: Int = 0, oldestAvailableAgeSeconds: Int? = nil) {
            self.available = available
            self.running = running
            self.retryable = retryable
            self.oldestAvailableAgeSeconds = oldestAvailableAgeSeconds
        }
    }

    /// Pages by token: `connected` (valid token), `expired` (Graph refused the token: sends stop),
    /// `not_connected` (known from webhooks only).
    public struct Pages: Sendable, Hashable, Encodable {
        public var connected: Int
        public var expired: Int
        public var notConnected: Int

        enum CodingKeys: String, CodingKey {
            case connected, expired
            case notConnected = "not_connected"
        }

        public init(connected: Int, expired: Int, notConnected: Int) {
            self.connected = connected
            self.expired = expired
            self.notConnected = notConnected
        }
    }

    /// URLs Graph refused as blocked: still `blocked`, or `released`.
    public struct BlockedURLCounts: Sendable, Hashable, Encodable {
        public var blocked: Int
        public var released: Int

        public init(blocked: Int, released: Int) {
            self.blocked = blocked
            self.released = released
        }
    }

    /// The database's clock when the snapshot was taken.
    public var checkedAt: Date
    public var webhooks: Webhooks
    /// By job kind; the kinds Herald queues are always present.
    public var jobs: [String: Jobs]
    public var pages: Pages
    public var blockedURLs: BlockedURLCounts
    /// Messages that failed in the last hour and are still failed, by failure reason.
    public var failedLastHour: [String: Int]

    public init(
        checkedAt: Date, webhooks: Webhooks, jobs: [String: Jobs], pages: Pages, blockedURLs: BlockedURLCounts,
        failedLastHour: [String: Int]
    ) {
        self.checkedAt = checkedAt
        self.webhooks = webhooks
        self.jobs = jobs
        self.pages = pages
        self.blockedURLs = blockedURLs
        self.failedLastHour = failedLastHour
    }
}
