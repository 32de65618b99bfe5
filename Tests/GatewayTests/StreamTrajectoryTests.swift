import Curl
import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// Golden trajectories on `/v1/stream`: every status a message passes through, as a supporter's
/// console receives them, with real workers and a fake-graph that holds each call 1 s so the
/// in-flight states last long enough to be read.
@Suite("Stream trajectories: the statuses a message shows, in order")
struct StreamTrajectoryTests {
    static let auth = ["Authorization": "Bearer \(TestGateway.apiToken)"]

    /// `status/display_status` of every stream event about message `id`, consecutive repeats
    /// folded (an event carries the message as it is when read, so two changes can read alike).
    static func trajectory(_ client: SSEClient, _ id: Int64) -> [String] {
        let steps = client.events.compactMap { event -> String? in
            guard let json = event.json, (json["id"] as? NSNumber)?.int64Value == id else { return nil }
            return "\(json["status"] as? String ?? "?")/\(json["display_status"] as? String ?? "-")"
        }
        return steps.reduce(into: []) { if $0.last != $1 { $0.append($1) } }
    }

    static func options() -> RecoveryStack.Options {
        var options = RecoveryStack.Options()
        options.graphLatency = .seconds(1)
        return options
    }

    @Test("a reply: queued, sending while Graph holds the call, sent, then seen after a read")
    func sendAndRead() async throws {
        try await RecoveryStack.with(Self.options()) { stack in
            #expect(try await stack.connectPage().status == 200)
            try stack.customer("golden-1")
            let client = try SSEClient(port: stack.gateway.port, path: "/v1/stream", headers: Self.auth)
            defer { client.close() }
            #expect(await client.wait { $0.contains { $0.comment == "connected" } })
            let id = try await stack.send(#"{"text":"hello"}"#, to: "golden-1")
            try await stack.wait([id], until: "sent")
            // An event carries the message as it is when the stream reads it: let the stream show
            // `sent` before the read moves it on.
            #expect(await client.wait { _ in Self.trajectory(client, id).last == "sent/sent" })
            let read = WebhookBuilder.read("golden-1", watermark: Date(), at: Date(), page: RecoveryStack.page)
            #expect(
                try await stack.gateway.postWebhook(WebhookBuilder.body(page: RecoveryStack.page, [read])).status == 200
            )
            #expect(await client.wait { _ in Self.trajectory(client, id).last == "seen/seen" })
            // The created event may already read `sending` when a worker claimed it at once; on a
            // machine loaded for longer than Graph's second the stream may read past `sending` too.
            // Whatever it shows is the golden path in order, never a step back or a failure.
            let path = Self.trajectory(client, id)
            let golden = ["queued/sending", "sending/sending", "sent/sent", "seen/seen"]
            let positions = path.map { golden.firstIndex(of: $0) ?? -1 }
            #expect(!positions.contains(-1) && positions == positions.sorted(), "\(path)")
            #expect(path.suffix(2) == ["sent/sent", "seen/seen"], "\(path)")
        }
    }

    @Test("a resend: failed, then resend until Graph answers, then sent; never a plain sending")
    func resend() async throws {
        try await RecoveryStack.with(Self.options()) { stack in
            #expect(try await stack.connectPage().status == 200)
            try stack.customer("golden-2")
            let client = try SSEClient(port: stack.gateway.port, path: "/v1/stream", headers: Self.auth)
            defer { client.close() }
            #expect(await client.wait { $0.contains { $0.comment == "connected" } })
            let id = try stack.connection.query(
                """
                INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason,
                                      failure_detail, failed_at, attempts)
                VALUES ($1, 'golden-2', 'outbound', 'supporter', '{"text":"again"}', 'failed', 'graph_unavailable',
                        'Graph was down', now(), 1)
                RETURNING id
                """, [RecoveryStack.page])[0].decode(0, as: Int64.self)
            // An event carries the message as it is when the stream reads it: see the failure first.
            #expect(await client.wait { _ in Self.trajectory(client, id) == ["failed/failed"] })
            #expect(try await stack.api(.post, "/v1/messages/\(id)/resend").status == 202)
            try await stack.wait([id], until: "sent")
            #expect(await client.wait { _ in Self.trajectory(client, id).last == "sent/sent" })
            // Graph holds the attempt 1 s, so the stream reads `resend` in between unless the machine
            // is loaded past that; it must never read a plain `sending`.
            let path = Self.trajectory(client, id)
            #expect(
                path == ["failed/failed", "resend/resend", "sent/sent"] || path == ["failed/failed", "sent/sent"],
                "\(path)")
            #expect(!path.contains { $0.hasPrefix("sending") }, "\(path)")
        }
    }

    @Test("a transient failure: back to queued between attempts, then sent")
    func transientThenSent() async throws {
        try await RecoveryStack.with(Self.options()) { stack in
            #expect(try await stack.connectPage().status == 200)
            try stack.customer("flaky-1:golden-3")
            let client = try SSEClient(port: stack.gateway.port, path: "/v1/stream", headers: Self.auth)
            defer { client.close() }
            #expect(await client.wait { $0.contains { $0.comment == "connected" } })
            let id = try await stack.send(#"{"text":"try twice"}"#, to: "flaky-1:golden-3")
            try await stack.wait([id], until: "sent")
            #expect(await client.wait { _ in Self.trajectory(client, id).last == "sent/sent" })
            let path = Self.trajectory(client, id)
            // Between the attempts the message waits `queued` for its retry (20 ms here), which
            // the stream may or may not catch; it never shows failed.
            #expect(path.first == "queued/sending" || path.first == "sending/sending", "\(path)")
            #expect(path.last == "sent/sent")
            #expect(!path.contains { $0.hasPrefix("failed") }, "\(path)")
            #expect(stack.sends(of: id).count == 2)
        }
    }
}
