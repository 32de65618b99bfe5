import ArgumentParser
import Foundation
import JobQueue

/// `herald-bench statements`: the job engine's own claim statement and completion clause, as
/// JSON, so scripts/bench-send's pgbench ceiling measures the text `JobQueue.claim` runs rather
/// than a copy of it (tools/herald_tools/pgbench.py writes the pgbench script from them).
struct BenchStatements: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statements",
        abstract: "Print JobQueue's claim statement and completion SET clause as JSON (dev tool).",
        discussion: "Claim parameters: $1 kinds (text[]), $2 worker, $3 now, $4 lease seconds; completion: $3 now."
    )

    @Option(help: "Jobs per claim (part of the statement's text, as in JobQueue.claim).")
    var limit = 50

    func run() throws {
        let statements = ["claim": JobQueue.claimSQL(limit: limit), "completion": JobQueue.completion]
        let data = try JSONSerialization.data(withJSONObject: statements, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
