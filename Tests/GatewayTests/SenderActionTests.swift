import Curl
import FakeGraph
import Foundation
import HeraldCore
import Messenger
import Postgres
import TestSupport
import Testing

/// `POST /v1/pages/{page_id}/customers/{psid}/actions` through the real gateway to fake-graph:
/// one Graph call per action, never a message, never a retry; `mark_seen` zeroes `unread`.
@Suite("Sender actions and unread counts")
struct SenderActionTests {
    static func act(_ stack: RecoveryStack, _ psid: String, _ body: String) async throws -> HTTPResponse {
        try await stack.api(.post, "/v1/pages/\(RecoveryStack.page)/customers/\(psid)/actions", body)
    }

    static func unread(_ stack: RecoveryStack, _ psid: String) async throws -> (list: Int?, single: Int?) {
        let list = try await stack.api(.get, "/v1/pages/\(RecoveryStack.page)/customers")
        let entry = (list.json?["customers"] as? [[String: Any]])?.first { $0["psid"] as? String == psid }
        let single = try await stack.api(.get, "/v1/pages/\(RecoveryStack.page)/customers/\(psid)")
        return ((entry?["unread"] as? NSNumber)?.intValue, (single.json?["unread"] as? NSNumber)?.intValue)
    }

    static func messageCount(_ stack: RecoveryStack) throws -> Int {
        try stack.connection.query("SELECT count(*) FROM messages")[0].decode(0, as: Int.self)
    }

    @Test(
        "each action inside the window is one Graph call and 202; nothing is stored as a message",
        arguments: SenderAction.allCases)
    func inWindow(action: SenderAction) async throws {
        try await RecoveryStack.with { stack in
            #expect(try await stack.connectPage().status == 200)
            try stack.customer("act-1")
            let before = try Self.messageCount(stack)
            let response = try await Self.act(stack, "act-1", #"{"action":"\#(action.rawValue)"}"#)
            #expect(response.status == 202, "\(response.text)")
            #expect(response.json?["action"] as? String == action.rawValue)
            #expect(response.json?["outcome"] as? String == "taken")
            let calls = stack.graph.requests().filter { $0.senderAction != nil }
            #expect(calls.count == 1)
            #expect(calls.first?.senderAction == action.rawValue)
            #expect(calls.first?.recipient == "act-1")
            #expect(calls.first?.text == nil && calls.first?.metadata == nil)
            #expect(try Self.messageCount(stack) == before)
        }
    }

    @Test("mark_seen zeroes unread in the list and the customer; the customer's next message counts again")
    func markSeenAndUnread() async throws {
        try await RecoveryStack.with { stack in
            #expect(try await stack.connectPage().status == 200)
            try await stack.customerWrites("reader", mid: "m_r1")
            try await stack.customerWrites("reader", mid: "m_r2")
            #expect(try await Self.unread(stack, "reader") == (2, 2))
            // A supporter's reply is not unread.
            _ = try await stack.send(#"{"text":"hello"}"#, to: "reader")
            #expect(try await Self.unread(stack, "reader") == (2, 2))

            let response = try await Self.act(stack, "reader", #"{"action":"mark_seen"}"#)
            #expect(response.status == 202, "\(response.text)")
            #expect(try await Self.unread(stack, "reader") == (0, 0))

            try await stack.customerWrites("reader", mid: "m_r3")
            #expect(try await Self.unread(stack, "reader") == (1, 1))
        }
    }

    @Test("outside the window: 409 outside_window and no Graph call; mark_seen still records the read")
    func outsideWindow() async throws {
        try await RecoveryStack.with { stack in
            #expect(try await stack.connectPage().status == 200)
            try stack.customer("old", lastMessageAgo: 25 * 3600)
            try stack.connection.query(
                """
                INSERT INTO messages (page_id, psid, mid, direction, author, content, status, event_timestamp)
                VALUES ($1, 'old', 'm_old', 'inbound', 'customer', '{"text":"hi"}', 'received', now() - interval '25 hours')
                """, [RecoveryStack.page])
            #expect(try await Self.unread(stack, "old") == (1, 1))
            for action in SenderAction.allCases {
                let response = try await Self.act(stack, "old", #"{"action":"\#(action.rawValue)"}"#)
                #expect(response.status == 409, "\(response.text)")
                #expect((response.json?["error"] as? [String: Any])?["code"] as? String == "outside_window")
            }
            // A customer who never wrote has no window either.
            let unknown = try await Self.act(stack, "never-wrote", #"{"action":"typing_on"}"#)
            #expect(unknown.status == 409, "\(unknown.text)")
            #expect(stack.graph.requests().filter { $0.senderAction != nil }.isEmpty)
            #expect(try await Self.unread(stack, "old") == (0, 0))
            let metrics = try await stack.gateway.client.execute(
                HTTPRequest(method: .get, url: stack.gateway.url("/metrics")))
            #expect(
                metrics.text.contains(
                    #"herald_sender_actions_total{action="mark_seen",outcome="skipped_outside_window"} 1"#))
        }
    }

    @Test(
        "bad bodies are 400 and call nothing",
        arguments: [
            (#"{"action":"wave"}"#, "unknown_action"), (#"{"action":"MARK_SEEN"}"#, "unknown_action"),
            (#"{"action":5}"#, "invalid_action"), (#"{}"#, "invalid_action"), (#"["mark_seen"]"#, "invalid_action"),
            ("mark_seen", "invalid_action"), ("", "invalid_action"),
        ])
    func badBodies(body: String, code: String) async throws {
        try await RecoveryStack.with { stack in
            #expect(try await stack.connectPage().status == 200)
            try stack.customer("act-2")
            let response = try await Self.act(stack, "act-2", body)
            #expect(response.status == 400, "\(response.text)")
            #expect((response.json?["error"] as? [String: Any])?["code"] as? String == code)
            #expect(stack.graph.requests().filter { $0.senderAction != nil }.isEmpty)
        }
    }

    @Test("an unknown page, or one never connected, is 404 and calls nothing")
    func unknownPage() async throws {
        try await RecoveryStack.with { stack in
            let unknown = try await stack.api(.post, "/v1/pages/999/customers/c/actions", #"{"action":"typing_on"}"#)
            #expect(unknown.status == 404, "\(unknown.text)")
            // Webhooks create the page's row, but it has no token until connected.
            try await stack.customerWrites("c", mid: "m_c1")
            let unconnected = try await Self.act(stack, "c", #"{"action":"mark_seen"}"#)
            #expect(unconnected.status == 404, "\(unconnected.text)")
            #expect((unconnected.json?["error"] as? [String: Any])?["code"] as? String == "page_not_found")
            #expect(stack.graph.requests().filter { $0.senderAction != nil }.isEmpty)
        }
    }

    @Test("a Graph refusal is answered 202 with its reason, once, never retried, and counted")
    func graphRefusal() async throws {
        try await RecoveryStack.with { stack in
            #expect(try await stack.connectPage().status == 200)
            try stack.customer("temporary:act")
            try stack.customer("user-unavailable:act")
            let temporary = try await Self.act(stack, "temporary:act", #"{"action":"typing_on"}"#)
            #expect(temporary.status == 202, "\(temporary.text)")
            #expect(temporary.json?["outcome"] as? String == "graph_unavailable")
            let gone = try await Self.act(stack, "user-unavailable:act", #"{"action":"typing_off"}"#)
            #expect(gone.json?["outcome"] as? String == "recipient_unavailable")
            #expect((gone.json?["detail"] as? String)?.isEmpty == false)
            #expect(stack.graph.requests().filter { $0.senderAction != nil }.count == 2)
            let metrics = try await stack.gateway.client.execute(
                HTTPRequest(method: .get, url: stack.gateway.url("/metrics")))
            #expect(
                metrics.text.contains(#"herald_sender_actions_total{action="typing_on",outcome="graph_unavailable"} 1"#)
            )
            #expect(
                metrics.text.contains(
                    #"herald_sender_actions_total{action="typing_off",outcome="recipient_unavailable"} 1"#))
        }
    }
}

@Suite("Sender actions without Graph")
struct SenderActionWithoutGraphTests {
    @Test("a gateway built without Graph access answers 503 graph_unavailable, and still records mark_seen")
    func noSender() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.query(
                "INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', 'token'::bytea, now())",
                [WebhookBuilder.page])
            try connection.query(
                """
                INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
                VALUES ($1, 'c', now(), now(), now(), 1)
                """, [WebhookBuilder.page])
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await gateway.client.execute(
                    .json(
                        .post, url: gateway.url("/v1/pages/\(WebhookBuilder.page)/customers/c/actions"),
                        body: Array(#"{"action":"mark_seen"}"#.utf8),
                        headers: [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.apiToken)")]))
                #expect(response.status == 503, "\(response.text)")
                #expect((response.json?["error"] as? [String: Any])?["code"] as? String == "graph_unavailable")
            }
            let seen = try connection.query(
                "SELECT last_seen_by_supporter_at IS NOT NULL FROM customers WHERE psid = 'c'")[0].decode(
                    0, as: Bool.self)
            #expect(seen)
        }
    }
}
