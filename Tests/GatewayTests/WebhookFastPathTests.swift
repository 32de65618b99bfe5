import Curl
import Foundation
import Gateway
import Messenger
import Postgres
import TestSupport
import Testing

/// `POST /webhook` is answered on the event loop (`WebhookChannelHandler`) unless that would
/// break HTTP/1.1's answer order; these tests drive one raw connection to check the order, the
/// hand-over to the router, early answers and closing.
@Suite("POST /webhook on the event loop: answer order, hand-over to the router, early answers, closing", .onTestThreads)
struct WebhookFastPathTests {
    static func signed(_ body: [UInt8], secret: String = TestGateway.appSecret, headers: [(String, String)] = [])
        -> [UInt8]
    {
        let signature = WebhookSignature(appSecret: Array(secret.utf8)).headerValue(for: body)
        return RawHTTPConnection.request(
            "POST", "/webhook",
            headers: [("X-Hub-Signature-256", signature), ("Content-Type", "application/json")] + headers,
            body: body)
    }

    /// Runs `body` with a fresh schema, a gateway storing into it and one raw connection to it.
    static func withConnection(
        maxBodyBytes: Int = 4 << 20, _ body: (TestSchema, TestGateway, RawHTTPConnection) async throws -> Void
    ) async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration, maxBodyBytes: maxBodyBytes) { gateway in
                let connection = try RawHTTPConnection(port: gateway.port)
                defer { connection.close() }
                try await body(schema, gateway, connection)
            }
        }
    }

    @Test("pipelined requests get their answers in order, around deliveries waiting for their commit")
    func pipelinedOrder() async throws {
        try await Self.withConnection { schema, gateway, connection async throws in
            let handshake = "/webhook?hub.mode=subscribe&hub.verify_token=\(TestGateway.verifyToken)&hub.challenge=c42"
            connection.send(
                Self.signed(Array(#"{"n":1}"#.utf8)) + RawHTTPConnection.request("GET", "/healthz")
                    + Self.signed(Array(#"{"n":2}"#.utf8)) + RawHTTPConnection.request("GET", handshake))
            let responses = await connection.responses(4)
            try #require(responses.count == 4)
            #expect(responses.map(\.status) == [200, 200, 200, 200])
            #expect(
                responses.map(\.text) == [
                    #"{"status":"received"}"#, #"{"status":"ok"}"#, #"{"status":"received"}"#, "c42",
                ])
            #expect(responses[0].headers["date"]?.hasSuffix(" GMT") == true)
            #expect(responses[0].headers["content-type"] == "application/json")
            #expect(try storedBodies(schema.configuration) == [Array(#"{"n":1}"#.utf8), Array(#"{"n":2}"#.utf8)])

            // The connection is still usable afterwards.
            connection.send(Self.signed(Array(#"{"n":3}"#.utf8)))
            #expect(await connection.responses(5).last?.status == 200)
            #expect(try storedBodies(schema.configuration).count == 3)
        }
    }

    @Test(
        "a delivery behind a request the router has not answered yet goes to the router, with the same answers and metrics"
    )
    func handedToRouter() async throws {
        try await Self.withConnection { schema, gateway, connection async throws in
            // One write: the GET is still unanswered when the POSTs' heads are read.
            connection.send(
                RawHTTPConnection.request("GET", "/healthz") + Self.signed(Array(#"{"r":1}"#.utf8))
                    + Self.signed(Array(#"{"r":2}"#.utf8), secret: "another-secret"))
            let responses = await connection.responses(3)
            try #require(responses.count == 3)
            #expect(responses.map(\.status) == [200, 200, 401])
            #expect(responses[1].text == #"{"status":"received"}"#)
            #expect(responses[2].text.contains("invalid_signature"))
            #expect(try storedBodies(schema.configuration) == [Array(#"{"r":1}"#.utf8)])
            let metrics = try await gateway.get("/metrics").text
            #expect(metrics.contains(#"herald_http_requests_total{route="/webhook",method="POST",status="200"} 1"#))
            #expect(metrics.contains(#"herald_http_requests_total{route="/webhook",method="POST",status="401"} 1"#))
            #expect(metrics.contains(#"herald_webhook_rejections_total{cause="signature"} 1"#))
        }
    }

    @Test("a bad signature is answered before the body has arrived, and the connection stays usable")
    func earlyRefusal() async throws {
        try await Self.withConnection { schema, gateway, connection async throws in
            let body = Array(String(repeating: "x", count: 100).utf8)
            let request = RawHTTPConnection.request(
                "POST", "/webhook", headers: [("X-Hub-Signature-256", "sha256=nothex")], body: body)
            connection.send(Array(request.dropLast(60)))
            let early = await connection.responses(1)
            try #require(early.count == 1)
            #expect(early[0].status == 401)
            #expect(early[0].text.contains("invalid_signature"))

            connection.send(Array(request.suffix(60)) + Self.signed(Array(#"{"after":true}"#.utf8)))
            let responses = await connection.responses(2)
            #expect(responses.map(\.status) == [401, 200])
            #expect(try storedBodies(schema.configuration) == [Array(#"{"after":true}"#.utf8)])
        }
    }

    @Test("Connection: close is answered after the commit, then the connection is closed")
    func connectionClose() async throws {
        try await Self.withConnection { schema, gateway, connection async throws in
            connection.send(Self.signed(Array(#"{"bye":1}"#.utf8), headers: [("Connection", "close")]))
            #expect(await connection.responses(1).map(\.status) == [200])
            #expect(await connection.closedByServer())
            #expect(try storedBodies(schema.configuration).count == 1)
        }
    }

    @Test("a chunked body growing past the limit gets 413 and the connection closes, with nothing stored")
    func chunkedOverLimit() async throws {
        try await Self.withConnection(maxBodyBytes: 1_000) { schema, gateway, connection async throws in
            let chunk = String(repeating: "y", count: 800)
            let chunked = Array("320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n".utf8)
            connection.send(
                RawHTTPConnection.request(
                    "POST", "/webhook",
                    headers: [
                        ("X-Hub-Signature-256", "sha256=" + String(repeating: "0", count: 64)),
                        ("Transfer-Encoding", "chunked"),
                    ]) + chunked)
            let responses = await connection.responses(1)
            #expect(responses.map(\.status) == [413])
            #expect(responses.first?.text.contains("body_too_large") == true)
            #expect(await connection.closedByServer())
            #expect(try storedBodies(schema.configuration).isEmpty)
        }
    }

    @Test("a client that half-closes after its delivery still gets the 200 once the body is committed")
    func halfClosedClient() async throws {
        try await Self.withConnection { schema, gateway, connection async throws in
            connection.send(Self.signed(Array(#"{"half":1}"#.utf8)) + Self.signed(Array(#"{"half":2}"#.utf8)))
            connection.finishSending()
            let responses = await connection.responses(2)
            #expect(responses.map(\.status) == [200, 200])
            #expect(await connection.closedByServer())
            #expect(try storedBodies(schema.configuration).count == 2)
        }
    }

    @Test("shutting down while a delivery waits for its commit: it still gets its 200, then the connection closes")
    func shutdownWhileStoring() async throws {
        try await TestDatabase.withSchema { schema in
            // Holds the batcher's INSERT until the test lets it go.
            let locker = try schema.connect()
            try locker.execute(script: "BEGIN; LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE")
            try await TestGateway.with(database: schema.configuration) { gateway in
                let connection = try RawHTTPConnection(port: gateway.port)
                defer { connection.close() }
                connection.send(Self.signed(Array(#"{"late":1}"#.utf8)))
                // The batcher's INSERT is blocked on the lock: the delivery cannot be committed yet.
                try await waitUntil("the batcher's INSERT waits for the lock") {
                    try locker.hasLockWaiter(on: "webhook_events")
                }
                await gateway.beginShutdown()
                // The shutdown has reached the server once its listener is closed.
                try await waitUntil("the listener to close") {
                    guard let probe = try? RawHTTPConnection(port: gateway.port) else { return true }
                    probe.close()
                    return false
                }
                #expect(await connection.responses(1, timeout: .zero).isEmpty, "answered before the commit")
                #expect(await !connection.closedByServer(timeout: .zero), "closed before the delivery was answered")

                try locker.execute(script: "COMMIT")
                #expect(await connection.responses(1).map(\.status) == [200])
                #expect(await connection.closedByServer())
            }
            #expect(try storedBodies(schema.configuration) == [Array(#"{"late":1}"#.utf8)])
        }
    }

    @Test("a client that leaves before the commit: its body is still stored and the server serves on")
    func clientGoneBeforeCommit() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let leaving = try RawHTTPConnection(port: gateway.port)
                leaving.send(Self.signed(Array(#"{"gone":1}"#.utf8)))
                leaving.close()
                let deadline = ContinuousClock.now + .seconds(20)
                while try storedBodies(schema.configuration).isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try storedBodies(schema.configuration) == [Array(#"{"gone":1}"#.utf8)])
                #expect(try await gateway.postWebhook(Array(#"{"next":1}"#.utf8)).status == 200)
            }
        }
    }
}
