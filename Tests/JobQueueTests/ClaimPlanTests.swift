import Foundation
import JobQueue
import Postgres
import TestSupport
import Testing

@Suite("The claim statement's plan")
struct ClaimPlanTests {
    /// Planning the claim afresh cost about 0.5 ms of Postgres CPU per claim, more than running
    /// it; Postgres keeps a generic plan only when it rates it no worse than a fresh one.
    @Test("claims are served from one generic plan per limit, and each limit claims what it says")
    func genericPlan() async throws {
        try await TestDatabase.withSchema { schema in
            let queue = JobQueue()
            let connection = try schema.connect()
            let t0 = Date()
            try queue.enqueue(
                (0..<200).map { NewJob(kind: testKind, orderingKey: "key-\($0 % 100)") }, now: t0, on: connection)
            for round in 0..<12 {
                let one = try queue.claim(
                    kinds: [testKind], limit: 1, worker: "w", lease: .seconds(30), now: t0, on: connection)
                #expect(one.count == 1, "round \(round)")
                try queue.completeAll(one.map(\.id), worker: "w", now: t0, on: connection)
            }
            let many = try queue.claim(
                kinds: [testKind], limit: 50, worker: "w", lease: .seconds(30), now: t0, on: connection)
            #expect(many.count == 50)
            #expect(Set(many.compactMap(\.orderingKey)).count == 50, "one job per key")

            let plans = try connection.query(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'herald_job_claim_1'")
            let row = try #require(plans.first)
            let generic = try row.decode(0, as: Int64.self)
            let custom = try row.decode(1, as: Int64.self)
            // Postgres plans the first five executions with their values, then compares.
            #expect(generic >= 7 && custom <= 5, "generic \(generic), custom \(custom)")
        }
    }
}
