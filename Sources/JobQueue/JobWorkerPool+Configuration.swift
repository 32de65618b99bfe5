import Foundation

extension JobWorkerPool {
    /// How a pool claims and runs its jobs.
    public struct Configuration: Sendable {
        /// The kinds this pool runs.
        public var kinds: [JobKind]
        /// Threads (serial queues), each with a connection of its own. Default: 4.
        public var threads: Int
        /// Jobs a thread claims at once (the most, with `batchBudget`). Default: 10.
        public var batchSize: Int
        /// When set, a thread claims only as many jobs as it expects to run within this time at
        /// the pace of its recent jobs (at least 1, at most `batchSize`; 1 until it has a pace).
        /// Claimed jobs wait for the ones before them on their thread, and a key's next job for
        /// the batch's completion: a budget lets fast jobs share claims and completions without
        /// holding slow ones back behind each other. Default: nil (always `batchSize`).
        public var batchBudget: Duration?
        /// How long a claim holds its jobs without a heartbeat. Default: 30 s.
        public var lease: Duration
        /// Time between heartbeats. Default: a third of `lease`.
        public var heartbeatInterval: Duration
        /// How often idle threads look for due jobs without a `wake()`. Default: 1 s.
        public var pollInterval: Duration
        /// Backoff base for a handler that throws (`JobQueue.backoff`). Default: 10 s.
        public var retryBase: Duration
        /// Longest backoff for a handler that throws. Default: 1 hour.
        public var retryCap: Duration
        /// SQL run once on each thread's new connection, e.g. `SET synchronous_commit = off` for
        /// jobs whose bookkeeping may be redone after a database crash. Default: none.
        public var sessionSetup: String?
        /// `locked_by` prefix; thread n claims as `workerID/n`. Default: host, process id and a
        /// random suffix, unique per pool.
        public var workerID: String

        public init(
            kinds: [JobKind], threads: Int = 4, batchSize: Int = 10, lease: Duration = .seconds(30),
            heartbeatInterval: Duration? = nil, pollInterval: Duration = .seconds(1),
            retryBase: Duration = .seconds(10), retryCap: Duration = .seconds(3600), workerID: String? = nil,
            sessionSetup: String? = nil, batchBudget: Duration? = nil
        ) {
            self.batchBudget = batchBudget
            self.sessionSetup = sessionSetup
            self.kinds = kinds
            self.threads = max(1, threads)
            self.batchSize = max(1, batchSize)
            self.lease = lease
            self.heartbeatInterval = heartbeatInterval ?? lease / 3
            self.pollInterval = pollInterval
            self.retryBase = retryBase
            self.retryCap = retryCap
            self.workerID = workerID ?? Self.defaultWorkerID()
        }

        private static func defaultWorkerID() -> String {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            return "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
        }
    }
}

extension Duration {
    /// A `DispatchTimeInterval` for timers and `asyncAfter`.
    var dispatchInterval: DispatchTimeInterval {
        .nanoseconds(Int(min(max(timeInterval, 0), 86_400 * 365) * 1e9))
    }
}
