import Curl
import FakeGraph
import Foundation
import Postgres
import TestSupport
import Testing

/// Failed messages come back at the right moment and never earlier: page reconnected, blocked URL
/// released (by an admin or a probe), customer active again; HUMAN_AGENT replies after the window.
@Suite("Recovery end to end: gateway + workers + fake-graph + Postgres")
struct RecoveryTests {
    typealias Stack = RecoveryStack

    @Test("190/460 expires the page; reconnecting sends every failed message in order with the new token")
    func reconnectAfterPasswordChange() async throws {
        try await Stack.with { stack in
            try #require(try await stack.connectPage().status == 200)
            try stack.customer("r1")
            try stack.customer("r2")
            // The password changed after the page was connected: Graph now answers 190/460.
            try stack.connection.query(
                "UPDATE pages SET access_token = convert_to('page-password-changed', 'UTF8') WHERE id = $1",
                [Stack.page])
            var ids: [Int64] = []
            for (index, psid) in ["r1", "r2", "r1", "r2", "r1"].enumerated() {
                ids.append(try await stack.send(#"{"text":"message \#(index)"}"#, to: psid))
            }
            try await stack.wait(ids, until: "failed")
            #expect(try ids.allSatisfy { try stack.status($0).reason == "token_expired" })
            // Only sends already in flight (at most one per send thread, 2 here) reached Graph; once the
            // page was marked expired the rest failed without a call.
            let refused = stack.graph.requests().count
            #expect((1...2).contains(refused))
            let expired = try stack.connection.query("SELECT token_status FROM pages")[0].decode(0, as: String.self)
            #expect(expired == "expired")

            let reconnect = try await stack.connectPage(token: "page-token-2")
            #expect(reconnect.status == 200, "\(reconnect.text)")
            #expect(reconnect.json?["requeued"] as? Int == 5)
            try await stack.wait(ids, until: "sent")
            let resent = stack.graph.requests().dropFirst(refused)
            #expect(resent.count == 5)
            #expect(resent.allSatisfy { $0.tokenScenario == "valid" && $0.outcome == "ok" })
            for (psid, count) in [("r1", 3), ("r2", 2)] {
                // Every send carries Herald's id as "herald:<id>"; one that does not fails here
                // rather than dropping out of the order check.
                let order = try resent.filter { $0.recipient == psid }.map { send in
                    try #require(
                        send.metadata.flatMap { Int64($0.dropFirst("herald:".count)) },
                        "metadata \(String(describing: send.metadata))")
                }
                #expect(order.count == count)
                #expect(order == order.sorted(), "\(psid)'s messages reached Graph out of order: \(order)")
            }
            // No token in any answer or any log line of the gateway and the workers.
            #expect(!reconnect.text.contains("page-token-2"))
            let listed = try await stack.admin(.get, "/admin/pages")
            #expect(!listed.text.contains("page-token") && !listed.text.contains("password-changed"))
            #expect(!stack.logs.all.isEmpty)
            for token in ["page-token-1", "page-token-2", "page-password-changed"] {
                #expect(!stack.logs.all.contains { $0.contains(token) }, "a log line holds \(token)")
            }
        }
    }

    @Test("a blocked URL holds its message until an admin releases it; then it is sent")
    func releaseByAdmin() async throws {
        try await Stack.with { stack in
            try await stack.connectPage()
            try stack.customer("b1")
            let url = "https://blocked.example/deal"
            let id = try await stack.send(#"{"text":"see \#(url) today"}"#, to: "b1")
            try await stack.wait([id], until: "failed")
            #expect(try stack.status(id).reason == "url_blacklisted")

            let listed = try #require(try await stack.blockedURLs().first)
            #expect(listed["url"] as? String == url)
            #expect(listed["state"] as? String == "blocked")
            #expect(listed["messages_waiting"] as? Int == 1)
            #expect(listed["next_probe_at"] is String)

            stack.graph.allow(url: url)
            let release = try await stack.admin(.post, "/admin/blocked-urls/release", #"{"url":"\#(url)"}"#)
            #expect(release.status == 200, "\(release.text)")
            #expect(release.json?["requeued"] as? Int == 1)
            #expect((release.json?["blocked_url"] as? [String: Any])?["state"] as? String == "released")
            try await stack.wait([id], until: "sent")
            #expect(stack.sends(of: id).map(\.outcome) == ["blocked-url", "ok"])

            let again = try await stack.admin(.post, "/admin/blocked-urls/release", #"{"url":"\#(url)"}"#)
            #expect(again.json?["requeued"] as? Int == 0, "a second release requeues nothing")
            let attempts = try stack.connection.query(
                "SELECT outcome FROM message_attempts WHERE message_id = $1 ORDER BY id", [id]
            ).map { try $0.decode(0, as: String.self) }
            #expect(attempts == ["failed:url_blacklisted", "sent"])
        }
    }

    @Test("a message with two blocked URLs waits for both")
    func twoURLs() async throws {
        try await Stack.with { stack in
            try await stack.connectPage()
            try stack.customer("b2")
            let (first, second) = ("https://blocked.example/one", "https://shop.blocked.example/two")
            let id = try await stack.send(
                #"{"carousel":{"elements":[{"title":"Shoe","image_url":"\#(first)","buttons":[{"type":"web_url","title":"Buy","url":"\#(second)"}]}]}}"#,
                to: "b2")
            try await stack.wait([id], until: "failed")
            #expect(Set(try await stack.blockedURLs().compactMap { $0["url"] as? String }) == [first, second])

            let one = try await stack.admin(.post, "/admin/blocked-urls/release", #"{"url":"\#(first)"}"#)
            #expect(one.json?["requeued"] as? Int == 0)
            let early = try await stack.api(.post, "/v1/messages/\(id)/resend")
            #expect(early.status == 409)
            #expect((early.json?["error"] as? [String: Any])?["resend_when"] as? String == "url_released")
            #expect(try stack.status(id).status == "failed")

            stack.graph.allow(url: first)
            stack.graph.allow(url: second)
            let two = try await stack.admin(.post, "/admin/blocked-urls/release", #"{"url":"\#(second)"}"#)
            #expect(two.json?["requeued"] as? Int == 1)
            try await stack.wait([id], until: "sent")
        }
    }

    @Test(
        "the probe resends the oldest held-back message and releases its URL once Graph accepts it; still-blocked URLs back off"
    )
    func probe() async throws {
        try await Stack.with(.init(probeInterval: 1)) { stack in
            try await stack.connectPage()
            try stack.customer("p1")
            let (healed, stuck) = ("https://blocked.example/healed", "https://blocked.example/stuck")
            let older = try await stack.send(#"{"text":"\#(healed)"}"#, to: "p1")
            let newer = try await stack.send(#"{"text":"again \#(healed)"}"#, to: "p1")
            let held = try await stack.send(#"{"text":"\#(stuck)"}"#, to: "p1")
            try await stack.wait([older, newer, held], until: "failed")

            stack.graph.allow(url: healed)
            try await stack.wait([older, newer], until: "sent")
            let urls = try await stack.blockedURLs()
            let healedRow = try #require(urls.first { $0["url"] as? String == healed })
            #expect(healedRow["state"] as? String == "released")
            // A probe resent the oldest message; its success released the URL and requeued the other.
            let firstOK = try #require(stack.graph.requests().first { $0.outcome == "ok" })
            #expect(firstOK.metadata == "herald:\(older)")
            #expect(stack.sends(of: newer).map(\.outcome) == ["blocked-url", "ok"])

            // The stuck URL keeps failing: each probe is a real attempt, and the waits double.
            try await waitUntil("two probes of the stuck URL") {
                try stack.connection.query("SELECT probe_attempts FROM blocked_urls WHERE url = $1", [stuck])[0]
                    .decode(0, as: Int.self) >= 2
            }
            try await stack.wait([held], until: "failed")
            let row = try stack.connection.query(
                """
                SELECT b.probe_attempts,
                       extract(epoch FROM b.next_probe_at - (SELECT max(attempted_at) FROM message_attempts WHERE message_id = $2))::float8
                FROM blocked_urls b WHERE b.url = $1
                """, [stuck, held])[0]
            let attempts = try row.decode(0, as: Int.self)
            let wait = try row.decode(1, as: Double.self)
            // After probe n the next waits 1 s × 2^n from the probe (4 s after the second, 8 s after
            // the third), measured here from the probe's failed attempt, which follows it closely.
            #expect(wait > pow(2, Double(attempts)) * 0.6, "probe \(attempts) waits \(wait) s: no back-off")
            #expect(try stack.status(held).reason == "url_blacklisted")
            #expect(stack.sends(of: held).allSatisfy { $0.outcome == "blocked-url" })
        }
    }

    @Test("releasing an unknown URL is a 404, a body without url a 400, and the API token does not open it")
    func releaseErrors() async throws {
        try await Stack.with { stack in
            let unknown = try await stack.admin(
                .post, "/admin/blocked-urls/release", #"{"url":"https://never.example"}"#)
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "url_not_blocked")
            let invalid = try await stack.admin(.post, "/admin/blocked-urls/release", #"{"link":1}"#)
            #expect(invalid.status == 400)
            #expect(invalid.errorCode == "invalid_body")
            let wrongToken = try await stack.api(.get, "/admin/blocked-urls")
            #expect(wrongToken.status == 401)
        }
    }

    @Test(
        "outside_window waits for the customer; with HERALD_AUTO_RESEND_ON_REPLY their message sends it",
        arguments: [false, true])
    func customerWritesAgain(autoResend: Bool) async throws {
        try await Stack.with(.init(autoResendOnReply: autoResend)) { stack in
            try await stack.connectPage()
            try stack.customer("w1", lastMessageAgo: 30 * 3600)
            let id = try await stack.send(#"{"text":"sorry for the wait"}"#, to: "w1")
            try await stack.wait([id], until: "failed")
            #expect(try stack.status(id).reason == "outside_window")
            #expect(stack.sends(of: id).isEmpty, "the closed window is known: Graph is not called")

            try await stack.customerWrites("w1", mid: "m_w1_back_\(autoResend)")
            if autoResend {
                try await stack.wait([id], until: "sent")
                #expect(stack.sends(of: id).count == 1)
            } else {
                let message = try await stack.api(.get, "/v1/messages/\(id)")
                let failure = try #require(message.json?["failure"] as? [String: Any])
                #expect(failure["resendable"] as? Bool == true)
                #expect(failure["resend_when"] is NSNull)
                // An automatic resend happens in the ingest transaction that stored the customer's
                // message, which customerWrites waited for: the message would already be requeued.
                #expect(try stack.status(id).status == "failed", "not requeued without the setting")
                #expect(
                    try stack.connection.query(
                        "SELECT count(*) FROM jobs WHERE payload->>'message_id' = $1", [String(id)])[0]
                        .decode(0, as: Int.self) == 1, "only the first send job")
                let resend = try await stack.api(.post, "/v1/messages/\(id)/resend")
                #expect(resend.status == 202)
                try await stack.wait([id], until: "sent")
            }
        }
    }

    @Test(
        "HUMAN_AGENT: a supporter's reply at 30 h goes with the tag; at 8 days, from the bot, or with the setting off it fails; inside 24 h no tag"
    )
    func humanAgent() async throws {
        try await Stack.with { stack in
            try #require(try await stack.connectPage(humanAgent: true).status == 200)
            try stack.customer("h30", lastMessageAgo: 30 * 3600)
            try stack.customer("h8d", lastMessageAgo: 8 * 86_400)
            try stack.customer("hbot", lastMessageAgo: 30 * 3600)
            try stack.customer("hnow", lastMessageAgo: 3600)

            let tagged = try await stack.send(#"{"text":"a person answers"}"#, to: "h30")
            let late = try await stack.send(#"{"text":"too late"}"#, to: "h8d")
            let inside = try await stack.send(#"{"text":"quick answer"}"#, to: "hnow")
            let bot = try stack.connection.query(
                """
                INSERT INTO messages (page_id, psid, direction, author, content, status) VALUES ($1, 'hbot', 'outbound', 'bot', '{"text":"auto"}', 'queued')
                RETURNING id
                """, [Stack.page])[0].decode(0, as: Int64.self)
            try stack.connection.query(
                """
                INSERT INTO jobs (kind, payload, ordering_key, max_attempts) VALUES ('send_message', jsonb_build_object('message_id', $1::bigint), $2, 3)
                """, [bot, "\(Stack.page)|hbot"])
            try stack.connection.notify(channel: "herald_jobs")

            try await stack.wait([tagged, inside], until: "sent")
            try await stack.wait([late, bot], until: "failed")
            let tagSend = try #require(stack.sends(of: tagged).first)
            #expect(tagSend.messagingType == "MESSAGE_TAG")
            #expect(tagSend.tag == "HUMAN_AGENT")
            let insideSend = try #require(stack.sends(of: inside).first)
            #expect(insideSend.messagingType == "RESPONSE")
            #expect(insideSend.tag == nil)
            #expect(try stack.status(late).reason == "outside_window")
            #expect(try stack.status(bot).reason == "outside_window")
            #expect(stack.sends(of: late).isEmpty && stack.sends(of: bot).isEmpty)

            // Off again: the same 30-hour customer now fails.
            try #require(try await stack.connectPage(humanAgent: false).status == 200)
            let off = try await stack.send(#"{"text":"setting off"}"#, to: "h30")
            try await stack.wait([off], until: "failed")
            #expect(try stack.status(off).reason == "outside_window")
        }
    }
}
