import Foundation
import JobQueue
import Postgres
import TestSupport
import Testing

/// Settling a unique job that no worker holds yet, from outside the queue's workers.
@Suite("Unclaimed unique jobs: complete or move")
struct UnclaimedTests {
    func state(_ connection: PostgresConnection, _ key: String) throws -> [(String, Date)] {
        try connection.query("SELECT state, run_at FROM jobs WHERE unique_key = $1 ORDER BY id", [key])
            .map { (try $0.decode(0, as: String.self), try $0.decode(1, as: Date.self)) }
    }

    @Test("an available or retryable job is completed unrun; running, finished and other keys are left alone")
    func complete() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let queue = JobQueue()
            let now = Date()
            try queue.enqueue(
                [
                    NewJob(kind: testKind, uniqueKey: "a"), NewJob(kind: testKind, uniqueKey: "b"),
                    NewJob(kind: JobKind("other"), uniqueKey: "a"),
                ], now: now, on: connection)
            #expect(try queue.completeUnclaimed(kind: testKind, uniqueKey: "a", now: now, on: connection))
            #expect(try state(connection, "a").map(\.0) == ["completed", "available"])
            #expect(try state(connection, "b").map(\.0) == ["available"])
            #expect(try !queue.completeUnclaimed(kind: testKind, uniqueKey: "a", now: now, on: connection))

            // A retryable one is completed too; a running one is not.
            try queue.enqueue([NewJob(kind: testKind, uniqueKey: "c")], now: now, on: connection)
            let job = try #require(
                try queue.claim(kinds: [testKind], limit: 1, worker: "w", lease: .seconds(60), now: now, on: connection)
                    .first)
            #expect(
                try !queue.completeUnclaimed(kind: testKind, uniqueKey: job.uniqueKey ?? "", now: now, on: connection))
            try queue.record(
                .retry(at: now.addingTimeInterval(600), error: "later"), for: job, now: now, on: connection)
            #expect(
                try queue.completeUnclaimed(kind: testKind, uniqueKey: job.uniqueKey ?? "", now: now, on: connection))
            #expect(
                try connection.int("SELECT count(*) FROM jobs WHERE id = $1 AND state = 'completed'", [job.id]) == 1)
        }
    }

    @Test("an unclaimed job moves to the given time, earlier or later, with the error noted")
    func reschedule() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let queue = JobQueue()
            let now = Date()
            try queue.enqueue(
                [NewJob(kind: testKind, runAt: now.addingTimeInterval(60), uniqueKey: "a")], now: now, on: connection)
            let sooner = now.addingTimeInterval(1)
            #expect(
                try queue.rescheduleUnclaimed(
                    kind: testKind, uniqueKey: "a", runAt: sooner, error: "busy", on: connection))
            let row = try connection.query("SELECT run_at, last_error FROM jobs WHERE unique_key = 'a'")[0]
            #expect(abs(try row.decode(0, as: Date.self).timeIntervalSince(sooner)) < 0.001)
            #expect(try row.decode(1, as: String?.self) == "busy")
            #expect(try !queue.rescheduleUnclaimed(kind: testKind, uniqueKey: "none", runAt: sooner, on: connection))

            let job = try #require(
                try queue.claim(
                    kinds: [testKind], limit: 1, worker: "w", lease: .seconds(60), now: sooner, on: connection
                ).first)
            #expect(try !queue.rescheduleUnclaimed(kind: testKind, uniqueKey: "a", runAt: now, on: connection))
            #expect(job.uniqueKey == "a")
        }
    }
}
