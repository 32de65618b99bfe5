import Foundation
import HeraldCore

/// `herald status` for people: the figures in a few aligned lines, then each finding with what to
/// do and where to read about it, or a line saying all is well.
enum StatusText {
    static func render(_ report: StatusReport, findings: [StatusFinding], maxLagSeconds: Int) -> String {
        let webhooks = report.webhooks
        var lines = ["Herald status at \(RFC3339.string(from: report.checkedAt)) (one read-only snapshot)", ""]
        lines.append(
            "Webhooks     pending \(webhooks.pending), parked \(webhooks.parked), oldest pending "
                + age(webhooks.oldestPendingAgeSeconds) + ", processed "
                + (webhooks.processedEstimate.map { "about \($0) (estimate)" } ?? "unknown (table not analyzed yet)"))
        let kindWidth = max(report.jobs.keys.map(\.count).max() ?? 0, 4)
        lines.append("Jobs         " + pad("kind", kindWidth) + "  available  retryable  running  oldest due")
        for (kind, jobs) in report.jobs.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "             " + pad(kind, kindWidth) + "  " + right(jobs.available, 9) + "  "
                    + right(jobs.retryable, 9)
                    + "  " + right(jobs.running, 7) + "  " + age(jobs.oldestAvailableAgeSeconds))
        }
        let pages = report.pages
        lines.append(
            "Pages        connected \(pages.connected), expired \(pages.expired), not connected \(pages.notConnected)")
        lines.append("Blocked URLs blocked \(report.blockedURLs.blocked), released \(report.blockedURLs.released)")
        let failed = report.failedLastHour.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append("Failed (1 h) " + (failed.isEmpty ? "none" : failed.joined(separator: ", ")))
        lines.append("")
        if findings.isEmpty {
            lines.append(
                "Healthy: nothing needs attention (backlogs under \(maxLagSeconds) s, no parked webhooks, no expired pages)."
            )
        } else {
            lines.append("Needs attention (\(findings.count)):")
            for finding in findings {
                lines.append("- \(finding.code): \(finding.message)")
                lines.append("  what to do: \(finding.action)")
                lines.append("  read: \(finding.docs)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func age(_ seconds: Int?) -> String {
        seconds.map { "\($0) s" } ?? "-"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
    }

    private static func right(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(width - text.count, 0)) + text
    }
}
