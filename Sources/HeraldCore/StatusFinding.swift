import Foundation

/// Something in a `StatusReport` that needs an operator: what it is, what to do, and where
/// docs/operations.md explains it. `herald status` exits 1 when there is any.
///
/// Only what will not fix itself is a finding: parked webhooks wait for a person, an expired page
/// sends nothing until it is reconnected, and a backlog older than the threshold means workers are
/// down or saturated. Failures of the last hour are shown but not judged here: many (a closed
/// window, a customer who blocked the page) are normal.
public struct StatusFinding: Sendable, Hashable, Encodable {
    /// Stable, for scripts: `parked_webhooks`, `expired_pages`, `ingest_lag`, `job_lag`.
    public var code: String
    /// What was found, with its figure.
    public var message: String
    /// What to do about it.
    public var action: String
    /// The section of docs/operations.md to read.
    public var docs: String

    public init(code: String, message: String, action: String, docs: String) {
        self.code = code
        self.message = message
        self.action = action
        self.docs = docs
    }

    /// Every finding in `report`, most urgent first; a backlog counts once it is older than
    /// `maxLagSeconds`.
    public static func findings(in report: StatusReport, maxLagSeconds: Int) -> [StatusFinding] {
        var findings: [StatusFinding] = []
        if let age = report.webhooks.oldestPendingAgeSeconds, age > maxLagSeconds {
            findings.append(
                StatusFinding(
                    code: "ingest_lag",
                    message:
                        "the oldest pending webhook has waited \(age) s (over \(maxLagSeconds) s); \(report.webhooks.pending) pending",
                    action:
                        "make sure a herald work process runs and reaches the database; add workers if they are saturated",
                    docs: #"docs/operations.md, "herald status" and section 2, "Scaling horizontally""#))
        }
        for (kind, jobs) in report.jobs.sorted(by: { $0.key < $1.key }) {
            guard let age = jobs.oldestAvailableAgeSeconds, age > maxLagSeconds else { continue }
            findings.append(
                StatusFinding(
                    code: "job_lag",
                    message:
                        "the oldest due \(kind) job has waited \(age) s (over \(maxLagSeconds) s); \(jobs.available) available, \(jobs.retryable) retryable",
                    action:
                        "make sure a herald work process runs; for send_message, raise --concurrency or add workers",
                    docs: #"docs/operations.md, "herald status" and section 2, "Scaling horizontally""#))
        }
        if report.webhooks.parked > 0 {
            findings.append(
                StatusFinding(
                    code: "parked_webhooks",
                    message: "\(report.webhooks.parked) webhook event(s) parked: stored but never applied",
                    action: "read them with GET /admin/webhook-events?state=parked, fix the cause, then "
                        + #"POST /admin/webhook-events/retry with {"state": "parked"}"#,
                    docs: #"docs/operations.md, "Dead letters""#))
        }
        if report.pages.expired > 0 {
            findings.append(
                StatusFinding(
                    code: "expired_pages",
                    message: "\(report.pages.expired) page(s) with an expired token: their messages fail token_expired",
                    action:
                        "find them with GET /admin/pages (token_status expired) and reconnect each with PUT /admin/pages/{id}",
                    docs: #"docs/operations.md, "Connecting a page""#))
        }
        return findings
    }
}
