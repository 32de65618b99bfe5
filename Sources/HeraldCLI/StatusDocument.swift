import Foundation
import HeraldCore

/// `herald status --json`: the report's figures with `healthy`, `max_lag_seconds` and `findings`
/// beside them, as one object on one line (keys sorted), for monitoring and `jq`.
struct StatusDocument: Encodable {
    var report: StatusReport
    var findings: [StatusFinding]
    var maxLagSeconds: Int

    enum CodingKeys: String, CodingKey {
        case healthy
        case maxLagSeconds = "max_lag_seconds"
        case findings
    }

    func encode(to encoder: any Encoder) throws {
        // The report's keys and these land in the same object.
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(findings.isEmpty, forKey: .healthy)
        try container.encode(maxLagSeconds, forKey: .maxLagSeconds)
        try container.encode(findings, forKey: .findings)
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
