import Foundation
import HeraldCore
import JobQueue
import Postgres
import TestSupport
import Testing

@Suite("Webhook ingest: poison events, concurrent workers, inactivity, replay")
struct IngestFailureAndScheduleTests {
    typealias W = WebhookBuilder

    @Test("a poison event is retried with backoff, then parked with its error; the others go through")
    func poison() async throws {
        try await TestDatabase.withSchema { schema in
            let clock = TestClock()
            let harness = try IngestHarness(schema, clock: clock, options: .init(maxAttempts: 3, retryBase: 10))
            let t0 = ms(clock.now().addingTimeInterval(-60))
            try PoisonMessage.install(on: harness.connection)
            let poison = W.body([W.message("p2", mid: PoisonMessage.mid, at: t0)])
            try harness.store(W.body([W.message("p1", mid: "good-1", at: t0)]))
            try harness.store(poison)
            try harness.store(Array("definitely not json".utf8))
            try harness.store(W.body([W.message("p3", mid: "good-2", at: t0)]))
            let first = try harness.drain()
            #expect(first.processed == 2)
            #expect(first.parked == 1)  // the unreadable body, at once
            #expect(first.retried == 1)
            #expect(try harness.messageStatus(mid: "good-1") == "received")
            #expect(try harness.messageStatus(mid: "good-2") == "received")

            // Not due again until its backoff has passed.
            #expect(try harness.drain().claimed == 0)
            for _ in 0..<2 {
                clock.advance(by: 3600)
                _ = try harness.drain()
            }
            let row = try #require(
                try harness.connection.query(
                    "SELECT state, attempts, last_error FROM webhook_events WHERE body = $1",
                    [poison]
                ).singleRow())
            #expect(try row.decode(0, as: String.self) == "parked")
            #expect(try row.decode(1, as: Int.self) == 3)
            #expect(try row.decode(2, as: String.self).contains("22023") == true)
            #expect(try harness.count("SELECT count(*) FROM webhook_events WHERE state = 'pending'") == 0)
        }
    }

    @Test(
        "events Postgres could not store (U+0000 in an id, a timestamp past year 9999) are skipped with a note; the body's other events are applied"
    )
    func unstorableEventsInAMixedBody() async throws {
        try await TestDatabase.withSchema { schema in
            let clock = TestClock()
            let harness = try IngestHarness(schema, clock: clock)
            let t0 = ms(clock.now().addingTimeInterval(-60))
            let page = W.page
            let bad = [
                #"{"sender":{"id":"x\u0000y"},"recipient":{"id":"\#(page)"},"timestamp":\#(W.ms(t0)),"message":{"mid":"m_nul","text":"a"}}"#,
                #"{"sender":{"id":"far"},"recipient":{"id":"\#(page)"},"timestamp":1000000000000000000,"message":{"mid":"m_far","text":"a"}}"#,
            ]
            let body = W.body([W.message("ok", mid: "m_ok", at: t0, text: #"nul \u0000 in text"#)] + bad)
            try harness.store(body)
            let outcome = try harness.drain()
            #expect(outcome.processed == 1)
            #expect(outcome.parked == 0)
            #expect(try harness.messageStatus(mid: "m_ok") == "received")
            #expect(try harness.count("SELECT count(*) FROM messages") == 1)
            let note = try harness.connection.query("SELECT state, last_error FROM webhook_events")[0]
            #expect(try note.decode(0, as: String.self) == "processed")
            let problems = try note.decode(1, as: String?.self) ?? ""
            #expect(problems.contains("no sender.id") && problems.contains("timestamp"), "\(problems)")
        }
    }

    @Test("two workers on the same backlog apply each event exactly once")
    func concurrentWorkers() async throws {
        try await TestDatabase.withSchema { schema in
            let feeder = try IngestHarness(schema)
            let t0 = ms(Date().addingTimeInterval(-3600))
            var bodies: [[UInt8]] = []
            for index in 0..<600 {
                let psid = "cw-\(index % 50)"
                bodies.append(
                    W.body([W.message(psid, mid: "cw-mid-\(index)", at: t0.addingTimeInterval(Double(index)))]))
            }
            try feeder.store(bodies)
            let outcomes = try await withThrowingTaskGroup(of: WebhookIngestor.Outcome.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let worker = try IngestHarness(schema, options: .init(batchSize: 25))
                        return try worker.drain()
                    }
                }
                return try await group.reduce(into: [WebhookIngestor.Outcome]()) { $0.append($1) }
            }
            #expect(outcomes.map(\.processed).reduce(0, +) == 600)
            #expect(
                try feeder.count("SELECT count(*) FROM webhook_events WHERE state = 'processed' AND attempts = 1")
                    == 600)
            #expect(try feeder.count("SELECT sum(total_messages)::int8 FROM customers") == 600)
            #expect(try feeder.count("SELECT count(*) FROM customers") == 50)
        }
    }

    @Test("inactivity is raised 24 h after the last activity and cleared when the customer writes again")
    func inactivity() async throws {
        try await TestDatabase.withSchema { schema in
            let clock = TestClock()
            let harness = try IngestHarness(schema, clock: clock)
            let jobs = JobQueue()
            let check = InactivityCheck(jobQueue: jobs)
            func runDueChecks() throws -> Int {
                var ran = 0
                while let job = try jobs.claim(
                    kinds: [InactivityCheck.kind], limit: 1, worker: "test", lease: .seconds(30), now: clock.now(),
                    on: harness.connection
                ).first {
                    try jobs.record(
                        try check.run(job, now: clock.now(), on: harness.connection), for: job, now: clock.now(),
                        on: harness.connection)
                    ran += 1
                }
                return ran
            }
            func active() throws -> Int {
                try harness.count("SELECT count(*) FROM notifications WHERE psid = 'i1' AND cleared_at IS NULL")
            }

            let t0 = ms(clock.now())
            try harness.store(W.body([W.message("i1", mid: "i-1", at: t0)]))
            try harness.drain()
            #expect(try runDueChecks() == 0)  // not due yet

            clock.advance(by: 23 * 3600)
            #expect(try runDueChecks() == 0)
            // Activity at 23 h moves the check to 47 h.
            try harness.store(W.body([W.postback("i1", at: ms(clock.now()))]))
            try harness.drain()
            clock.advance(by: 2 * 3600)
            #expect(try runDueChecks() == 0)
            #expect(try active() == 0)

            clock.advance(by: 23 * 3600)  // 48 h: 25 h after the postback
            #expect(try runDueChecks() == 1)
            #expect(try active() == 1)

            // The customer writes again: the notification clears, and a new check is scheduled.
            try harness.store(W.body([W.message("i1", mid: "i-2", at: ms(clock.now()))]))
            try harness.drain()
            #expect(try active() == 0)
            #expect(
                try harness.count("SELECT count(*) FROM notifications WHERE psid = 'i1' AND cleared_at IS NOT NULL")
                    == 1)
            clock.advance(by: 24 * 3600 + 1)
            #expect(try runDueChecks() == 1)
            #expect(try active() == 1)
        }
    }

    @Test("a check whose moment is already past fires on the first run")
    func overdue() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            try harness.store(W.body([W.message("o1", mid: "o-1", at: ms(Date().addingTimeInterval(-3 * 86_400)))]))
            try harness.drain()
            let jobs = JobQueue()
            let job = try #require(
                try jobs.claim(
                    kinds: [InactivityCheck.kind], limit: 1, worker: "t", lease: .seconds(30), now: Date(),
                    on: harness.connection
                ).first)
            #expect(try InactivityCheck(jobQueue: jobs).run(job, now: Date(), on: harness.connection) == .completed)
            #expect(
                try harness.count("SELECT count(*) FROM notifications WHERE psid = 'o1' AND cleared_at IS NULL") == 1)
        }
    }

    @Test("replaying processed events gives the same state")
    func replay() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let t0 = ms(Date().addingTimeInterval(-100))
            try harness.store(
                W.body([W.message("r1", mid: "r-1", at: t0), W.postback("r1", at: t0.addingTimeInterval(5))]))
            try harness.drain()
            let before = try harness.customer("r1")
            // What `herald replay` and the admin API's bulk retry run.
            #expect(
                try WebhookEventStore().retry(WebhookEventSelection(states: [.processed]), on: harness.connection) == 1)
            #expect(try harness.drain().processed == 1)
            #expect(try harness.customer("r1") == before)
            #expect(try harness.count("SELECT count(*) FROM messages") == 1)
        }
    }
}
