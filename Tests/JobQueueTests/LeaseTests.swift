import Foundation
import JobQueue
import Postgres
import TestSupport
import Testing

@Suite("Leases, heartbeats and rescue")
struct LeaseTests {
    @Test("an expired lease is rescued and reclaimed; attempts count at claim; discarded at max_attempts")
    func rescue() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let t0 = Date()
            try queue.enqueue(
                [NewJob(kind: testKind, maxAttempts: 2, orderingKey: "k"), NewJob(kind: testKind, orderingKey: "k")],
                now: t0, on: connection)
            func claim(at time: Date) throws -> [Job] {
                try queue.claim(
                    kinds: [testKind], limit: 10, worker: "crashing", lease: .seconds(30), now: time, on: connection)
            }
            let first = try #require(try claim(at: t0).first)
            #expect(first.attempts == 1)

            #expect(try queue.rescueExpiredLeases(now: t0 + 29, on: connection) == JobRescue())
            #expect(try queue.rescueExpiredLeases(now: t0 + 31, on: connection) == JobRescue(retried: 1))
            let rescued = try connection.jobRow(first.id)
            #expect(rescued.state == "retryable")
            #expect(abs(rescued.runAt.timeIntervalSince(t0 + 31)) < 0.001)
            #expect(rescued.lastError?.contains("lease expired") == true)

            let second = try claim(at: t0 + 31)
            #expect(second.map(\.id) == [first.id], "the rescued job is still its key's head")
            #expect(second.first?.attempts == 2)

            let rescuedLast = try queue.rescueExpiredLeases(now: t0 + 62, on: connection)
            #expect(rescuedLast.retried == 0 && rescuedLast.discarded == 1)
            #expect(rescuedLast.discardedJobs.map { $0.id } == [first.id], "the owner learns which job was given up")
            #expect(try connection.jobRow(first.id).state == "discarded")
            #expect(
                try connection.int("SELECT count(*) FROM jobs WHERE id = $1 AND finished_at IS NOT NULL", [first.id])
                    == 1)
            // The discarded head no longer blocks its key.
            #expect(try claim(at: t0 + 62).map(\.attempts) == [1])
        }
    }

    @Test("a heartbeat keeps a job from being rescued; only the holder can extend, and never shortens")
    func heartbeat() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let t0 = Date()
            try queue.enqueue([NewJob(kind: testKind)], now: t0, on: connection)
            let job = try #require(
                try queue.claim(kinds: [testKind], limit: 1, worker: "w1", lease: .seconds(30), now: t0, on: connection)
                    .first)

            #expect(try queue.extendLease(jobIDs: [job.id], worker: "w2", until: t0 + 90, on: connection).isEmpty)
            #expect(try queue.extendLease(jobIDs: [job.id], worker: "w1", until: t0 + 90, on: connection) == [job.id])
            #expect(try queue.extendLease(jobIDs: [job.id], worker: "w1", until: t0 + 5, on: connection) == [job.id])
            #expect(try queue.rescueExpiredLeases(now: t0 + 60, on: connection) == JobRescue())
            #expect(try connection.jobRow(job.id).state == "running")
            #expect(try queue.rescueExpiredLeases(now: t0 + 91, on: connection) == JobRescue(retried: 1))
            // Rescued: the old holder's heartbeat no longer applies.
            #expect(try queue.extendLease(jobIDs: [job.id], worker: "w1", until: t0 + 200, on: connection).isEmpty)
        }
    }

    @Test("a worker whose lease expired cannot record over a later claim")
    func staleOutcome() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let t0 = Date()
            try queue.enqueue([NewJob(kind: testKind)], now: t0, on: connection)
            let stale = try #require(
                try queue.claim(
                    kinds: [testKind], limit: 1, worker: "slow", lease: .seconds(30), now: t0, on: connection
                ).first)
            try queue.rescueExpiredLeases(now: t0 + 31, on: connection)
            let fresh = try #require(
                try queue.claim(
                    kinds: [testKind], limit: 1, worker: "fast", lease: .seconds(30), now: t0 + 31, on: connection
                ).first)
            #expect(try queue.record(.completed, for: stale, now: t0 + 32, on: connection) == false)
            #expect(try queue.completeAll([stale.id], worker: "slow", now: t0 + 32, on: connection) == 0)
            #expect(try connection.jobRow(fresh.id).state == "running")
            #expect(try queue.record(.completed, for: fresh, now: t0 + 33, on: connection))
            #expect(try connection.jobRow(fresh.id).state == "completed")
        }
    }

    @Test("outcomes: retry past max_attempts discards; snooze hands the attempt back; completeAll completes a batch")
    func outcomes() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let t0 = Date()
            try queue.enqueue(
                [NewJob(kind: testKind, maxAttempts: 1)] + (0..<4).map { _ in NewJob(kind: testKind) }, now: t0,
                on: connection)
            let jobs = try queue.claim(
                kinds: [testKind], limit: 10, worker: "w", lease: .seconds(30), now: t0, on: connection)
            try #require(jobs.count == 5)
            #expect(jobs.map(\.id) == jobs.map(\.id).sorted(), "claimed oldest first")

            #expect(try queue.record(.retry(at: t0 + 10, error: "boom"), for: jobs[0], now: t0, on: connection))
            #expect(try connection.jobRow(jobs[0].id).state == "discarded")

            #expect(try queue.record(.snooze(until: t0 + 100), for: jobs[1], now: t0, on: connection))
            let snoozed = try connection.jobRow(jobs[1].id)
            #expect(snoozed.state == "available")
            #expect(snoozed.attempts == 0)
            #expect(abs(snoozed.runAt.timeIntervalSince(t0 + 100)) < 0.001)

            let rest = jobs[2...].map(\.id)
            #expect(try queue.completeAll(rest, worker: "other", now: t0, on: connection) == 0)
            #expect(try queue.completeAll(rest, worker: "w", now: t0, on: connection) == 3)
            #expect(try queue.completeAll(rest, now: t0, on: connection) == 0, "only running jobs")
            #expect(
                try connection.int("SELECT count(*) FROM jobs WHERE state = 'completed' AND finished_at IS NOT NULL")
                    == 3)
        }
    }
}
