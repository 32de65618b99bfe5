import Foundation
import HeraldCore
import Messenger
import Postgres
import TestSupport

/// Builds one message per table cell and applies one event to it the way the product does:
/// the send worker's calls for attempts, a webhook through the real ingestor for echoes and
/// receipts, the API's rule before a resend, and the admin and maintenance paths for the rest.
struct StatusMachineHarness {
    typealias State = StatusMachineTableTests.State
    typealias Event = StatusMachineTableTests.Event

    /// One cell's message and where it lives.
    struct Cell {
        var id: Int64
        var page: String
        var psid: String
        var url: String
    }

    let ingest: IngestHarness
    var connection: PostgresConnection { ingest.connection }
    let attempts = SendAttempts()

    init(_ schema: TestSchema) throws {
        ingest = try IngestHarness(schema)
    }

    func make(_ state: State, cell number: Int) throws -> Cell {
        let now = Date()
        let cell = Cell(
            id: 0, page: "7700000000\(number)", psid: "sm-\(number)", url: "https://blocked-\(number).example/x")
        let expired = state == .failedToken
        try connection.query(
            """
            INSERT INTO pages (id, name, access_token, token_status, token_expired_at, connected_at)
            VALUES ($1, 'Cell', 'token'::bytea, $2, $3, $4)
            """,
            [
                cell.page, expired ? "expired" : "valid", expired ? now.addingTimeInterval(-1800) : nil,
                now.addingTimeInterval(-2 * 86400),
            ])
        // The customer wrote an hour ago: the window is open.
        try connection.query(
            """
            INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
            VALUES ($1, $2, $3, $3, $3, 1)
            """, [cell.page, cell.psid, now.addingTimeInterval(-3600)])
        let status = StatusMachineTableTests.stored(state)
        let sentAt = [.sent, .delivered, .seen].contains(state) ? now.addingTimeInterval(-600) : nil
        let reason: String? =
            switch state {
            case .failedGraph: "graph_unavailable"
            case .failedToken: "token_expired"
            case .failedURL: "url_blacklisted"
            default: nil
            }
        let id = try connection.query(
            """
            INSERT INTO messages (page_id, psid, direction, author, content, status, mid, sent_at, delivered_at,
                                  seen_at, failure_reason, failure_detail, failed_at, attempts)
            VALUES ($1, $2, 'outbound', 'supporter', $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            RETURNING id
            """,
            [
                cell.page, cell.psid, #"{"text":"see \#(cell.url)"}"#, status, sentAt.map { _ in "m_cell_\(number)" },
                sentAt, [.delivered, .seen].contains(state) ? sentAt : nil, state == .seen ? sentAt : nil, reason,
                reason.map { "failed: \($0)" }, reason == nil ? nil : now.addingTimeInterval(-1200),
                state == .queued ? 0 : 1,
            ])[0].decode(0, as: Int64.self)
        if state == .failedURL {
            try connection.query(
                "INSERT INTO blocked_urls (url, blocked_at, next_probe_at) VALUES ($1, $2, $3)",
                [cell.url, now.addingTimeInterval(-1200), now.addingTimeInterval(86400)])
            try connection.query("INSERT INTO message_blocked_urls (message_id, url) VALUES ($1, $2)", [id, cell.url])
        }
        var made = cell
        made.id = id
        return made
    }

    func apply(_ event: Event, to cell: Cell) throws {
        let now = Date()
        switch event {
        case .start:
            _ = try attempts.startAll(messageIDs: [cell.id], now: now, on: connection)
        case .graphOK:
            try attempt(cell) { _ in .sent(mid: "m_ok_\(cell.id)") }
        case .transient:
            try attempt(cell) { _ in
                .transient(reason: .graphUnavailable, detail: "down", graphCode: 2, graphSubcode: nil)
            }
        case .finalFailure:
            try attempt(cell) { _ in
                .failed(reason: .recipientUnavailable, detail: "gone", graphCode: 551, graphSubcode: nil)
            }
        case .precheckFailure:
            try connection.query(
                "UPDATE pages SET token_status = 'expired', token_expired_at = $2 WHERE id = $1", [cell.page, now])
            try attempt(cell) { _ in .sent(mid: "m_never_\(cell.id)") }
        case .echo:
            try webhook(
                cell,
                WebhookBuilder.echo(
                    cell.psid, mid: "m_echo_\(cell.id)", at: now, metadata: "herald:\(cell.id)", page: cell.page))
        case .delivery:
            try webhook(cell, WebhookBuilder.delivery(cell.psid, watermark: now, at: now, page: cell.page))
        case .read:
            try webhook(cell, WebhookBuilder.read(cell.psid, watermark: now, at: now, page: cell.page))
        case .resend:
            // POST /v1/messages/{id}/resend: only what the message's failure allows now.
            let message = try ReadStore().message(id: cell.id, now: now, on: connection)
            if message?.failure?.resendable == true {
                _ = try connection.transaction {
                    try OutboundStore().requeue(messageID: cell.id, by: .api, now: now, on: $0)
                }
            }
        case .reconnect:
            _ = try PageStore().connect(
                .init(pageID: cell.page, accessToken: "new-token"), key: nil, now: now, on: connection)
        case .urlRelease:
            _ = try connection.transaction { try BlockedURLs().release(cell.url, now: now, on: $0) }
        case .probe:
            try connection.query(
                "UPDATE blocked_urls SET next_probe_at = $2 WHERE url = $1", [cell.url, now.addingTimeInterval(-1)])
            _ = try connection.transaction { try BlockedURLs().probeDue(now: now, on: $0) }
        case .abandon:
            try attempts.abandon(
                messageID: cell.id, detail: "lease expired on the last attempt", now: now, on: connection)
        }
    }

    /// What a send thread does: start the attempt, then record its pre-check's failure or the
    /// result Graph would give. A message that does not start is left alone.
    private func attempt(_ cell: Cell, graph: (SendAttempts.SendPlan) -> SendAttempts.Result) throws {
        let now = Date()
        guard let started = try attempts.startAll(messageIDs: [cell.id], now: now, on: connection)[cell.id] else {
            return
        }
        let result: SendAttempts.Result
        switch started.start {
        case .send(let plan): result = graph(plan)
        case .failNow(let reason, let detail):
            result = .failed(reason: reason, detail: detail, graphCode: nil, graphSubcode: nil)
        case .skip: return
        }
        try attempts.record(
            result, messageID: cell.id, previousStatus: started.previousStatus, now: now, on: connection)
    }

    private func webhook(_ cell: Cell, _ event: String) throws {
        try ingest.store(WebhookBuilder.body(page: cell.page, [event]))
        try ingest.drain()
    }

    func outcome(of cell: Cell) throws -> StatusMachineTableTests.Outcome {
        let message = try ReadStore().message(id: cell.id, now: Date(), on: connection)
        let attempts = try connection.query(
            "SELECT outcome FROM message_attempts WHERE message_id = $1 ORDER BY id", [cell.id]
        ).map { try $0.decode(0, as: String.self) }
        return .init(
            status: message?.status.rawValue ?? "missing", display: message?.displayStatus?.rawValue ?? "-",
            attempts: attempts)
    }
}
