import Foundation
import JobQueue
import Logging
import Postgres
import TestSupport
import Testing

/// Enqueuing wakes the workers only for jobs due soon: every ingest batch schedules inactivity
/// checks 24 hours ahead, and a NOTIFY for those made every worker of every process run a claim
/// that found nothing (about eight per batch).
@Suite("Enqueue wake-ups")
struct EnqueueWakeUpTests {
    @Test("jobs due beyond the wake-up horizon commit without a NOTIFY; a job due now, or among them, NOTIFYs")
    func horizon() async throws {
        try await TestDatabase.withSchema { schema in
            let channel = "test_jobs_\(UUID().uuidString.prefix(8).lowercased())"
            let queue = JobQueue(notifyChannel: channel)
            let listener = PostgresListener(
                configuration: try TestDatabase.configuration(), channels: [channel],
                logger: Logger(label: "herald.tests.listen"))
            listener.start()
            defer { listener.stop() }
            await listener.waitUntilListening()
            var events = listener.events.makeAsyncIterator()
            func nextPayload() async -> String? {
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline, let event = await events.next() {
                    if case .notification(let notification) = event { return notification.payload }
                }
                return nil
            }

            let connection = try schema.connect()
            let now = Date()
            let later = now.addingTimeInterval(JobQueue.wakeUpHorizon + 3_600)
            let check = JobKind("inactivity_check")
            try connection.transaction {
                try queue.enqueue(
                    [NewJob(kind: check, runAt: later), NewJob(kind: check, runAt: later)], now: now, on: $0)
            }
            // Notifications arrive in commit order: had the first commit notified, its empty
            // payload would come before the marker.
            try connection.transaction { try $0.notify(channel: channel, payload: "marker") }
            try connection.transaction {
                try queue.enqueue([NewJob(kind: check, runAt: later), NewJob(kind: check)], now: now, on: $0)
            }
            #expect(await nextPayload() == "marker")
            #expect(await nextPayload() == "")
            let stored = try connection.query("SELECT count(*) FROM jobs")[0].decode(0, as: Int.self)
            #expect(stored == 4)
        }
    }
}
