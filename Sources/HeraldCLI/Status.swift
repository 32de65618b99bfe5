import ArgumentParser
import Foundation
import HeraldCore
import Postgres

/// `herald status`: what an operator checks first, without SQL. Backlogs, dead letters, pages and
/// recent failures from one read-only snapshot (`StatusReader`), and each thing that needs a
/// person (`StatusFinding`) with what to do; the exit code lets monitoring and scripts act on it.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show backlogs, dead letters, pages and recent failures, and what needs attention.",
        discussion: """
            Reads the database in one read-only transaction and changes nothing.

            Exit codes:
              0   healthy
              1   something needs attention: each finding says what to do
                  and which section of docs/operations.md to read
              2   the database could not be read
              64  bad arguments
              78  bad configuration

            """ + Setting.helpText(for: .status)
    )

    @Flag(help: "Print one JSON object (the figures, findings and healthy) instead of text.")
    var json = false

    @Option(help: "A pending webhook or due job waiting longer than this many seconds needs attention.")
    var maxLagSeconds = 300

    func validate() throws {
        guard maxLagSeconds >= 1 else {
            throw ValidationError("--max-lag-seconds must be at least 1, got \(maxLagSeconds)")
        }
    }

    func run() async throws {
        let settings = try Startup.settings(for: .status)
        let configuration = PostgresConfiguration(
            connectionString: settings.databaseURL, applicationName: "herald-status")
        let report: StatusReport
        do {
            report = try await Task.detached {
                try StatusReader().read(on: PostgresConnection(configuration: configuration))
            }.value
        } catch {
            StandardErrorLines.write("herald status: cannot read the database: \(error)\n")
            throw ExitCode(2)
        }
        let findings = StatusFinding.findings(in: report, maxLagSeconds: maxLagSeconds)
        if json {
            let document = StatusDocument(report: report, findings: findings, maxLagSeconds: maxLagSeconds)
            print(try document.jsonText())
        } else {
            print(StatusText.render(report, findings: findings, maxLagSeconds: maxLagSeconds), terminator: "")
        }
        if !findings.isEmpty { throw ExitCode(1) }
    }
}
