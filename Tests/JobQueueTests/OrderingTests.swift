import Foundation
import JobQueue
import Postgres
import TestSupport
import Testing

@Suite("Per-key order", .timeLimit(.minutes(2)))
struct OrderingTests {
    struct Execution: Sendable {
        var id: Int64
        var key: String
        var attempts: Int
        var start: ContinuousClock.Instant
        var end: ContinuousClock.Instant
    }

    @Test("4 claimers, 20 keys × 25 jobs: each key one at a time in id order, different keys in parallel")
    func concurrentClaimers() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let setup = try schema.connect()
            // Keys shuffled, so a key's jobs sit close together in id order (as a burst of
            // messages to one customer does) and claimers meet them at the same time.
            let keys = (0..<500).map { "conversation-\($0 % 20)" }.shuffled()
            try queue.enqueue(keys.map { NewJob(kind: testKind, orderingKey: $0) }, now: Date(), on: setup)

            let executions = Locked<[Execution]>([])
            let clock = ContinuousClock()
            try await onThreads(4) { index in
                let connection = try schema.connect()
                while true {
                    let claimed = try queue.claim(
                        kinds: [testKind], limit: 5, worker: "claimer-\(index)", lease: .seconds(60), now: Date(),
                        on: connection)
                    if claimed.isEmpty {
                        if try connection.int("SELECT count(*) FROM jobs WHERE state <> 'completed'") == 0 { return }
                        usleep(200)
                        continue
                    }
                    for job in claimed {
                        let start = clock.now
                        usleep(UInt32.random(in: 0...1500))
                        let end = clock.now  // before the outcome commits, so inside the job's running time
                        executions.withLock {
                            $0.append(
                                Execution(
                                    id: job.id, key: job.orderingKey ?? "", attempts: job.attempts, start: start,
                                    end: end))
                        }
                        #expect(try queue.record(.completed, for: job, now: Date(), on: connection))
                    }
                }
            }

            let runs = executions.value
            #expect(runs.count == 500)
            #expect(Set(runs.map(\.id)).count == 500, "every job ran exactly once")
            #expect(runs.allSatisfy { $0.attempts == 1 })
            for (key, keyRuns) in Dictionary(grouping: runs, by: \.key) {
                let ordered = keyRuns.sorted { $0.start < $1.start }
                #expect(ordered.count == 25)
                for (previous, next) in zip(ordered, ordered.dropFirst()) {
                    #expect(previous.id < next.id, "\(key): job \(next.id) ran after \(previous.id)")
                    #expect(previous.end <= next.start, "\(key): jobs \(previous.id) and \(next.id) overlapped")
                }
            }
            let sorted = runs.sorted { $0.start < $1.start }
            var overlapsAcrossKeys = 0
            for (index, run) in sorted.enumerated() {
                for other in sorted[(index + 1)...] {
                    if other.start >= run.end { break }
                    if other.key != run.key { overlapsAcrossKeys += 1 }
                }
            }
            #expect(overlapsAcrossKeys > 0, "different keys should run in parallel")
        }
    }

    @Test("an older job waiting to retry blocks newer jobs of its key until it finishes; other keys run")
    func retryableBlocks() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let t0 = Date()
            try queue.enqueue(
                [
                    NewJob(kind: testKind, orderingKey: "a"), NewJob(kind: testKind, orderingKey: "a"),
                    NewJob(kind: testKind, orderingKey: "b"), NewJob(kind: testKind),
                ], now: t0, on: connection)
            func claim(at time: Date) throws -> [Job] {
                try queue.claim(
                    kinds: [testKind], limit: 10, worker: "w", lease: .seconds(30), now: time, on: connection)
            }
            let first = try claim(at: t0)
            #expect(first.map(\.orderingKey) == ["a", "b", nil], "one job per key, and the unkeyed one")
            let a1 = try #require(first.first)
            for job in first.dropFirst() { try queue.record(.completed, for: job, now: t0, on: connection) }
            try queue.record(.retry(at: t0 + 60, error: "transient"), for: a1, now: t0, on: connection)

            #expect(try claim(at: t0 + 1).isEmpty, "a2 waits while a1 is retryable")
            let retried = try claim(at: t0 + 61)
            #expect(retried.map(\.id) == [a1.id])
            #expect(retried.first?.attempts == 2)
            #expect(try claim(at: t0 + 61).isEmpty, "a2 waits while a1 runs")
            try queue.record(.completed, for: try #require(retried.first), now: t0 + 62, on: connection)
            let a2 = try claim(at: t0 + 62)
            #expect(a2.count == 1)
            #expect(a2.first.map { $0.id > a1.id } == true)
        }
    }

    @Test("a discarded older job releases its key")
    func discardReleases() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let now = Date()
            try queue.enqueue(
                [NewJob(kind: testKind, orderingKey: "k"), NewJob(kind: testKind, orderingKey: "k")], now: now,
                on: connection)
            let first = try #require(
                try queue.claim(
                    kinds: [testKind], limit: 10, worker: "w", lease: .seconds(30), now: now, on: connection
                ).first)
            try queue.record(.discard(error: "bad payload"), for: first, now: now, on: connection)
            let next = try queue.claim(
                kinds: [testKind], limit: 10, worker: "w", lease: .seconds(30), now: now, on: connection)
            #expect(next.count == 1)
            #expect(next.first.map { $0.id > first.id } == true)
        }
    }

    @Test("jobs whose enqueues commit out of id order never run at the same time")
    func outOfOrderCommits() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let older = try schema.connect()
            let newer = try schema.connect()
            let claimerA = try schema.connect()
            let now = Date()
            try older.execute(script: "BEGIN")
            try queue.enqueue([NewJob(kind: testKind, orderingKey: "k")], now: now, on: older)
            try queue.enqueue([NewJob(kind: testKind, orderingKey: "k")], now: now, on: newer)
            // A claims the only job it can see (the newer one) and has not committed yet.
            try claimerA.execute(script: "BEGIN")
            let a = try queue.claim(
                kinds: [testKind], limit: 10, worker: "a", lease: .seconds(30), now: now, on: claimerA)
            #expect(a.count == 1)
            try older.execute(script: "COMMIT")

            // B now sees the older job as its key's head, and the newer one still available, so it
            // tries to run the older one too: the unique index makes it wait for A.
            let bPID = Locked<Int32?>(nil)
            async let b = onThread { () throws -> [Int64] in
                let claimerB = try schema.connect()
                bPID.withLock { $0 = claimerB.backendPID }
                return try queue.claim(
                    kinds: [testKind], limit: 10, worker: "b", lease: .seconds(30), now: now, on: claimerB
                )
                .map(\.id)
            }
            let observer = try schema.connect()
            let waited = try await eventually {
                guard let pid = bPID.value else { return false }
                return try observer.int(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [pid]) == 1
            }
            #expect(waited, "B should have waited on A's running job of the same key")
            try claimerA.execute(script: "COMMIT")
            #expect(try await b == [], "B must not run a second job of the key")
            #expect(try observer.int("SELECT count(*) FROM jobs WHERE state = 'running'") == 1)

            try queue.record(.completed, for: try #require(a.first), now: now, on: claimerA)
            let next = try queue.claim(
                kinds: [testKind], limit: 10, worker: "b", lease: .seconds(30), now: now, on: observer)
            #expect(next.count == 1)
        }
    }

    @Test("the database refuses two running jobs of one key")
    func uniqueRunningIndex() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try JobQueue().enqueue(
                [NewJob(kind: testKind, orderingKey: "k"), NewJob(kind: testKind, orderingKey: "k")], now: Date(),
                on: connection)
            let error = #expect(throws: PostgresError.self) {
                try connection.query("UPDATE jobs SET state = 'running'")
            }
            #expect(error?.sqlState == .uniqueViolation)
        }
    }
}
