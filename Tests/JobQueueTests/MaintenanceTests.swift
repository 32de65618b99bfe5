import Foundation
import JobQueue
import Postgres
import TestSupport
import Testing

@Suite("Unique keys, pruning and statistics")
struct MaintenanceTests {
    @Test(
        "a unique key keeps one live job per kind, moving its run_at later (a running one runs again); a finished one frees the key"
    )
    func uniqueKeys() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let t0 = Date()
            let other = JobKind("other_job")
            try queue.enqueue([NewJob(kind: testKind, runAt: t0 + 10, uniqueKey: "u")], now: t0, on: connection)
            try queue.enqueue([NewJob(kind: testKind, runAt: t0 + 20, uniqueKey: "u")], now: t0, on: connection)
            try queue.enqueue([NewJob(kind: testKind, runAt: t0 + 5, uniqueKey: "u")], now: t0, on: connection)
            try queue.enqueue([NewJob(kind: other, runAt: t0, uniqueKey: "u")], now: t0, on: connection)
            #expect(try connection.int("SELECT count(*) FROM jobs WHERE kind = $1", [testKind.rawValue]) == 1)
            #expect(try connection.int("SELECT count(*) FROM jobs WHERE kind = $1", [other.rawValue]) == 1)
            let job = try #require(
                try queue.claim(
                    kinds: [testKind], limit: 5, worker: "w", lease: .seconds(30), now: t0 + 20, on: connection
                ).first)
            #expect(abs(job.runAt.timeIntervalSince(t0 + 20)) < 0.01, "the latest run_at won")
            // Enqueued again while it runs: the running job holds the key, and runs again later.
            try queue.enqueue([NewJob(kind: testKind, runAt: t0 + 30, uniqueKey: "u")], now: t0, on: connection)
            #expect(try connection.int("SELECT count(*) FROM jobs WHERE kind = $1", [testKind.rawValue]) == 1)
            #expect(try queue.record(.completed, for: job, now: t0 + 21, on: connection))
            let rearmed = try connection.jobRow(job.id)
            #expect(rearmed.state == "available")
            #expect(rearmed.attempts == 0)
            #expect(abs(rearmed.runAt.timeIntervalSince(t0 + 30)) < 0.001)

            // Its second run, not moved meanwhile, completes (through completeAll this time) and frees the key.
            let again = try queue.claim(
                kinds: [testKind], limit: 5, worker: "w", lease: .seconds(30), now: t0 + 30, on: connection)
            #expect(again.map(\.id) == [job.id])
            #expect(try queue.completeAll(again.map(\.id), now: t0 + 31, on: connection) == 1)
            #expect(try connection.jobRow(job.id).state == "completed")
            try queue.enqueue([NewJob(kind: testKind, runAt: t0 + 40, uniqueKey: "u")], now: t0, on: connection)
            #expect(try connection.int("SELECT count(*) FROM jobs WHERE kind = $1", [testKind.rawValue]) == 2)
        }
    }

    @Test("prune deletes finished jobs older than the cutoff, in batches, up to the limit")
    func prune() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let now = Date()
            try queue.enqueue((0..<12).map { _ in NewJob(kind: testKind) }, now: now, on: connection)
            let ids = try connection.query("SELECT id FROM jobs ORDER BY id").map { try $0.decode(0, as: Int64.self) }
            func set(_ slice: ArraySlice<Int64>, _ state: String, finished: Date?) throws {
                for id in slice {
                    try connection.query(
                        "UPDATE jobs SET state = $2, finished_at = $3 WHERE id = $1", [id, state, finished])
                }
            }
            try set(ids[0..<5], "completed", finished: now - 7200)
            try set(ids[5..<8], "discarded", finished: now - 7200)
            try set(ids[8..<10], "completed", finished: now - 60)  // too recent
            // ids[10...] stay available
            #expect(try queue.prune(finishedBefore: now - 3600, limit: 5, batchSize: 2, on: connection) == 5)
            #expect(try queue.prune(finishedBefore: now - 3600, limit: 100, batchSize: 2, on: connection) == 3)
            #expect(try queue.prune(finishedBefore: now - 3600, limit: 100, on: connection) == 0)
            let left = try connection.query("SELECT id FROM jobs ORDER BY id").map { try $0.decode(0, as: Int64.self) }
            #expect(left == Array(ids[8...]))
        }
    }

    @Test("stats count by kind and state and measure how long due jobs have waited")
    func stats() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let now = Date()
            let other = JobKind("other_job")
            try queue.enqueue((0..<3).map { _ in NewJob(kind: testKind, runAt: now - 60) }, now: now, on: connection)
            try queue.enqueue((0..<2).map { _ in NewJob(kind: other, runAt: now + 600) }, now: now, on: connection)
            let claimed = try queue.claim(
                kinds: [testKind], limit: 1, worker: "w", lease: .seconds(30), now: now, on: connection)
            try queue.enqueue([NewJob(kind: testKind)], now: now, on: connection)
            try queue.completeAll(
                try queue.claim(kinds: [testKind], limit: 1, worker: "w", lease: .seconds(30), now: now, on: connection)
                    .map(\.id),
                now: now, on: connection)

            let stats = try queue.stats(now: now, on: connection)
            #expect(stats.count(.running, kind: testKind) == claimed.count)
            #expect(stats.count(.completed, kind: testKind) == 1)
            #expect(stats.count(.available, kind: testKind) == 2)
            #expect(stats.count(.available, kind: other) == 2)
            #expect(stats.count(.available) == 4)
            #expect(stats.dueLag[other] == nil, "nothing of that kind is due")
            let lag = BackoffTests.seconds(try #require(stats.dueLag[testKind]))
            #expect(lag > 59 && lag < 61)
            #expect(stats.oldestDueLag == stats.dueLag[testKind])
            #expect(stats.expiredLeases == 0)

            let later = try queue.stats(now: now + 31, includeFinished: false, on: connection)
            #expect(later.expiredLeases == 1)
            #expect(later.count(.completed) == 0, "finished rows left out")
        }
    }

    @Test("live-job statistics read the partial indexes, not the finished history")
    func liveStatsUseIndexes() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.execute(
                script: """
                    INSERT INTO jobs (kind, state, finished_at) SELECT 'test_job', 'completed', now() FROM generate_series(1, 30000);
                    INSERT INTO jobs (kind, state) SELECT 'test_job', 'available' FROM generate_series(1, 20);
                    ANALYZE jobs;
                    """)
            try connection.execute(script: "BEGIN")
            let stats = try JobQueue().stats(now: Date(), includeFinished: false, on: connection)
            // This transaction's own scans of the table: a sequential one would read all 30,020 rows.
            let scans = try connection.query(
                "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relid = 'jobs'::regclass")[0]
            try connection.execute(script: "ROLLBACK")
            #expect(stats.count(.available) == 20)
            #expect(try scans.decode(0, as: Int.self) == 0)
            #expect(try scans.decode(1, as: Int.self) >= 1)
        }
    }
}
