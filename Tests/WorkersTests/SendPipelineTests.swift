import Curl
import FakeGraph
import Foundation
import HeraldCore
import JobQueue
import Logging
import Messenger
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

/// Supporter messages through the real pipeline: OutboundStore → jobs → SendWorker (libcurl) →
/// fake-graph over loopback → recorded status.
@Suite("Sending through fake-graph")
struct SendPipelineTests {
    static let page = "104857600012345"

    /// A schema with a connected page and a customer whose window is open, a running fake-graph
    /// and a running send pool.
    struct Pipeline {
        let schema: TestSchema
        let connection: PostgresConnection
        let graph: RunningFakeGraph
        let store = OutboundStore(maxAttempts: 3)

        func send(_ content: String, to psid: String, key: String? = nil) throws -> Int64 {
            let outbound = try OutboundContent.decode(Array(content.utf8))
            let violation = outbound.formatViolation().map { (reason: FailureReason.invalidFormat, detail: $0.detail) }
            let draft = OutboundStore.Draft(
                pageID: SendPipelineTests.page, psid: psid,
                content: PostgresJSON(bytes: Array(try JSONEncoder().encode(outbound))), idempotencyKey: key,
                violation: violation)
            let created = try connection.transaction { try store.create(draft, now: Date(), on: $0) }
            switch created {
            case .created(let id), .existing(let id): return id
            }
        }

        func status(_ id: Int64) throws -> (status: String, reason: String?, mid: String?) {
            let row = try connection.query("SELECT status, failure_reason, mid FROM messages WHERE id = $1", [id])[0]
            return (
                try row.decode(0, as: String.self), try row.decode(1, as: String?.self),
                try row.decode(2, as: String?.self)
            )
        }

        func waitForFinal(_ ids: [Int64], sourceLocation: SourceLocation = #_sourceLocation) async throws {
            try await waitUntil("messages \(ids) sent or failed", sourceLocation: sourceLocation) {
                try ids.allSatisfy { ["sent", "failed"].contains(try status($0).status) }
            }
        }

        func addCustomer(_ psid: String, lastMessageAt: Date = Date()) throws {
            try connection.query(
                """
                INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
                VALUES ($1, $2, $3, $3, $3, 1)
                """, [SendPipelineTests.page, psid, lastMessageAt])
        }
    }

    /// `urlPolicy` is production's (public addresses only) unless a test opts in: fake-graph's file
    /// host is on loopback, so tests whose size check HEADs it pass `.anyAddress`
    /// (`HERALD_ALLOW_PRIVATE_URLS=true`).
    static func withPipeline(
        token: String = "valid-token", latency: Duration = .zero, concurrency: Int = 4,
        sealedWith sealKey: [UInt8]? = nil, tokenKey: [UInt8]? = nil, urlPolicy: AddressPolicy = .publicOnly,
        _ body: (Pipeline) async throws -> Void
    ) async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.query(
                "INSERT INTO pages (id, name, access_token, token_encrypted, connected_at) VALUES ($1, 'Test page', $2, $3, now())",
                [page, try sealKey.map { try SealedToken.seal(token, key: $0) } ?? Array(token.utf8), sealKey != nil])
            var logger = Logger(label: "herald.tests.send")
            logger.logLevel = .warning
            let graph = try await FakeGraphServer.start(configuration: .init(latency: latency), logger: logger)
            let jobQueue = JobQueue()
            let worker = SendWorker(
                database: schema.configuration,
                configuration: .init(
                    graphURL: graph.baseURL, graphVersion: "v25.0", appSecret: Array("secret".utf8),
                    concurrency: concurrency, retryBase: .milliseconds(20),
                    // The size check's HEAD goes to fake-graph's router, which a busy test run can
                    // keep waiting for seconds: no timeout decides a test.
                    sizeProbe: CurlConfiguration(
                        totalTimeout: .seconds(60), followRedirects: true,
                        maxRedirects: SendWorker.Configuration.maxSizeProbeRedirects),
                    urlPolicy: urlPolicy, tokenKey: tokenKey),
                jobQueue: jobQueue, pollInterval: .milliseconds(50), logger: logger)
            let pipeline = Pipeline(schema: schema, connection: connection, graph: graph)
            do {
                try await withRunningServices([worker], logger: logger) { try await body(pipeline) }
            } catch {
                await graph.stop()
                throw error
            }
            await graph.stop()
        }
    }

    @Test("a text, an image and a carousel are sent with Herald's id in metadata and end sent with Graph's mid")
    func sent() async throws {
        // The image is on fake-graph's loopback file host.
        try await Self.withPipeline(urlPolicy: .anyAddress) { pipeline in
            try pipeline.addCustomer("c1")
            let ids = [
                try pipeline.send(#"{"text":"Hello there"}"#, to: "c1"),
                // fake-graph's file host answers the size check's HEAD on loopback.
                try pipeline.send(
                    #"{"image":{"url":"\#(pipeline.graph.baseURL)/_fake/files/a.png?bytes=48213"}}"#, to: "c1"),
                try pipeline.send(
                    #"{"carousel":{"elements":[{"title":"Shoe","subtitle":"Red","buttons":[{"type":"web_url","title":"Buy","url":"https://shop.example.com/1"}]}]}}"#,
                    to: "c1"),
            ]
            try await pipeline.waitForFinal(ids)
            for id in ids {
                let state = try pipeline.status(id)
                #expect(state.status == "sent")
                #expect(state.mid?.hasPrefix("m_") == true)
            }
            let received = pipeline.graph.requests()
            #expect(Set(received.compactMap(\.metadata)) == Set(ids.map { "herald:\($0)" }))
            #expect(received.allSatisfy { $0.messagingType == "RESPONSE" && $0.appsecretProof })
            #expect(
                try pipeline.connection.query("SELECT count(*) FROM message_attempts WHERE outcome = 'sent'")[0].decode(
                    0, as: Int.self) == 3)
        }
    }

    @Test(
        "Graph's refusals end failed with the classified reason",
        arguments: [
            ("outside-window:1", "outside_window"), ("user-unavailable:1", "recipient_unavailable"),
            ("no-user:1", "recipient_unavailable"), ("blocked-url:1", "url_blacklisted"),
            ("invalid:1", "invalid_format"),
        ])
    func refusals(psid: String, reason: String) async throws {
        try await Self.withPipeline { pipeline in
            let id = try pipeline.send(#"{"text":"hi"}"#, to: psid)
            try await pipeline.waitForFinal([id])
            let state = try pipeline.status(id)
            #expect(state.status == "failed")
            #expect(state.reason == reason)
        }
    }

    @Test("a blocked URL is recorded with its message, so the message waits for its release")
    func blockedURL() async throws {
        try await Self.withPipeline { pipeline in
            let id = try pipeline.send(#"{"text":"deal at https://blocked.example/deal today"}"#, to: "c7")
            try await pipeline.waitForFinal([id])
            #expect(try pipeline.status(id).reason == "url_blacklisted")
            let blocked = try pipeline.connection.query(
                "SELECT b.url FROM message_blocked_urls m JOIN blocked_urls b USING (url) WHERE m.message_id = $1 AND b.released_at IS NULL",
                [id])
            #expect(try blocked.map { try $0.decode(0, as: String.self) } == ["https://blocked.example/deal"])
        }
    }

    @Test("an empty text fails invalid_format without calling Graph")
    func formatRule() async throws {
        try await Self.withPipeline { pipeline in
            let id = try pipeline.send(#"{"text":"   "}"#, to: "c2")
            let state = try pipeline.status(id)
            #expect(state.status == "failed")
            #expect(state.reason == "invalid_format")
            // No send job exists for it, and a later message to the same customer (same ordering
            // key, so sent after anything queued before it) is the only call Graph sees.
            let jobs = try pipeline.connection.query(
                "SELECT count(*) FROM jobs WHERE payload->>'message_id' = $1", [String(id)])[0].decode(0, as: Int.self)
            #expect(jobs == 0)
            let barrier = try pipeline.send(#"{"text":"after"}"#, to: "c2")
            try await pipeline.waitForFinal([barrier])
            #expect(pipeline.graph.requests().map(\.text) == ["after"])
        }
    }

    @Test("a closed 24-hour window fails outside_window without calling Graph")
    func windowClosed() async throws {
        try await Self.withPipeline { pipeline in
            try pipeline.addCustomer("late", lastMessageAt: Date().addingTimeInterval(-25 * 3600))
            let id = try pipeline.send(#"{"text":"sorry for the wait"}"#, to: "late")
            try await pipeline.waitForFinal([id])
            #expect(try pipeline.status(id).reason == "outside_window")
            #expect(pipeline.graph.requests().isEmpty)
        }
    }

    @Test("an expired token fails token_expired, marks the page expired, and the next message fails without a call")
    func tokenExpired() async throws {
        try await Self.withPipeline(token: "expired-token") { pipeline in
            let first = try pipeline.send(#"{"text":"one"}"#, to: "c3")
            try await pipeline.waitForFinal([first])
            #expect(try pipeline.status(first).reason == "token_expired")
            let page = try pipeline.connection.query("SELECT token_status FROM pages WHERE id = $1", [Self.page])
            #expect(try page[0].decode(0, as: String.self) == "expired")
            let second = try pipeline.send(#"{"text":"two"}"#, to: "c3")
            try await pipeline.waitForFinal([second])
            #expect(try pipeline.status(second).reason == "token_expired")
            #expect(pipeline.graph.requests().count == 1)
        }
    }

    @Test(
        "a token sealed at rest opens with HERALD_TOKEN_KEY and is sent; sealed with another key it fails token_expired without a call",
        arguments: [true, false])
    func sealedToken(rightKey: Bool) async throws {
        let key = [UInt8](repeating: 1, count: 32)
        let workerKey = rightKey ? key : [UInt8](repeating: 2, count: 32)
        try await Self.withPipeline(sealedWith: key, tokenKey: workerKey) { pipeline in
            try pipeline.addCustomer("c9")
            let id = try pipeline.send(#"{"text":"sealed"}"#, to: "c9")
            try await pipeline.waitForFinal([id])
            let state = try pipeline.status(id)
            if rightKey {
                #expect(state.status == "sent")
                #expect(pipeline.graph.requests().count == 1)
            } else {
                #expect(state.status == "failed")
                #expect(state.reason == "token_expired")
                let detail = try pipeline.connection.query("SELECT failure_detail FROM messages WHERE id = $1", [id])
                #expect(try detail[0].decode(0, as: String.self).contains("HERALD_TOKEN_KEY"))
                #expect(pipeline.graph.requests().isEmpty)
            }
        }
    }

    @Test("transient errors are retried, then sent; retry exhaustion ends graph_unavailable")
    func transient() async throws {
        try await Self.withPipeline { pipeline in
            let flaky = try pipeline.send(#"{"text":"eventually"}"#, to: "flaky-2:c4")
            let hopeless = try pipeline.send(#"{"text":"never"}"#, to: "temporary:c5")
            try await pipeline.waitForFinal([flaky, hopeless])
            #expect(try pipeline.status(flaky).status == "sent")
            #expect(try pipeline.status(hopeless).status == "failed")
            #expect(try pipeline.status(hopeless).reason == "graph_unavailable")
            let attempts = try pipeline.connection.query("SELECT attempts FROM messages WHERE id = $1", [hopeless])
            #expect(try attempts[0].decode(0, as: Int.self) == 3)
            // The job that gave up is discarded with Graph's last error; the one that got through completed.
            // (The message shows its outcome a moment before the job does.)
            func jobStates() throws -> [Int64: (String, String)] {
                let jobs = try pipeline.connection.query(
                    "SELECT (payload->>'message_id')::bigint, state, coalesce(last_error, '') FROM jobs WHERE kind = 'send_message' AND (payload->>'message_id')::bigint IN ($1, $2)",
                    [flaky, hopeless])
                return try Dictionary(
                    uniqueKeysWithValues: jobs.map { row in
                        (
                            try row.decode(0, as: Int64.self),
                            (try row.decode(1, as: String.self), try row.decode(2, as: String.self))
                        )
                    })
            }
            try await waitUntil("both send jobs finished") { try jobStates().values.allSatisfy { $0.0 != "running" } }
            let states = try jobStates()
            #expect(states[flaky]?.0 == "completed")
            #expect(states[hopeless]?.0 == "discarded")
            #expect(states[hopeless]?.1.isEmpty == false)
        }
    }

    @Test("the same idempotency key returns the first message and sends once")
    func idempotency() async throws {
        try await Self.withPipeline { pipeline in
            let first = try pipeline.send(#"{"text":"once"}"#, to: "c6", key: "k-1")
            let again = try pipeline.send(#"{"text":"once"}"#, to: "c6", key: "k-1")
            #expect(first == again)
            try await pipeline.waitForFinal([first])
            // A later message to the same customer is sent after any second job for the key.
            let barrier = try pipeline.send(#"{"text":"after"}"#, to: "c6")
            try await pipeline.waitForFinal([barrier])
            #expect(pipeline.graph.requests().map(\.text) == ["once", "after"])
        }
    }

    @Test("one customer's messages reach Graph in creation order while customers are sent in parallel")
    func order() async throws {
        try await Self.withPipeline(latency: .milliseconds(200), concurrency: 4) { pipeline in
            var ids: [String: [Int64]] = [:]
            for round in 0..<4 {
                for customer in ["o1", "o2", "o3"] {
                    ids[customer, default: []].append(try pipeline.send(#"{"text":"m\#(round)"}"#, to: customer))
                }
            }
            try await pipeline.waitForFinal(ids.values.flatMap { $0 })
            let received = pipeline.graph.requests().sorted { $0.sequence < $1.sequence }
            for (customer, sent) in ids {
                let order = received.filter { $0.recipient == customer }.compactMap(\.metadata)
                #expect(order == sent.map { "herald:\($0)" }, "order for \(customer)")
            }
            // Each call takes 200 ms: requests arriving closer together than that were in flight
            // at the same time, i.e. different customers were sent in parallel.
            let times = received.map(\.time)
            #expect(zip(times, times.dropFirst()).contains { $1.timeIntervalSince($0) < 0.15 })
        }
    }
}
