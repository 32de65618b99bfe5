import ArgumentParser
import Foundation
import HeraldCore
import Logging
import Postgres

/// `herald replay --since TIME`: processes stored webhooks again.
///
/// Processing is idempotent (dedupe by `mid`, min/max activity, forward-only watermarks), so
/// replaying after a fix converges to the same state the events should have produced. The work is
/// `WebhookEventStore.retry`, the same as `POST /admin/webhook-events/retry`'s.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark stored webhook events received since a time as pending, so workers process them again.",
        discussion: Setting.helpText(for: .migrate)
    )

    @Option(help: "RFC 3339 time, e.g. 2026-11-26T08:00:00Z; events received at or after it are replayed.")
    var since: String

    @Flag(help: "Also replay parked events (those that failed or could not be read).")
    var includeParked = false

    func run() async throws {
        let settings = try Startup.settings(for: .migrate)
        let logger = Startup.bootstrapLogging(settings, label: "herald.replay")
        guard let since = ISO8601DateFormatter().date(from: since) else {
            throw ValidationError("--since must be an RFC 3339 time such as 2026-11-26T08:00:00Z")
        }
        let selection = WebhookEventSelection(
            states: includeParked ? [.processed, .parked] : [.processed], since: since)
        let configuration = PostgresConfiguration(
            connectionString: settings.databaseURL, applicationName: "herald-replay")
        let count = try await Task.detached {
            let connection = try PostgresConnection(configuration: configuration)
            return try connection.transaction { try WebhookEventStore().retry(selection, on: $0) }
        }.value
        logger.info("webhook events queued for replay", metadata: ["herald.replay.count": "\(count)"])
        print("\(count) webhook events queued for replay")
    }
}
