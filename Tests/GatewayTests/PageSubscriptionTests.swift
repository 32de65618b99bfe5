import Curl
import FakeGraph
import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

/// Connecting a page subscribes the app to its webhooks: the gateway calls fake-graph's
/// `subscribed_apps` over real HTTP (libcurl) and answers with Graph's word, and the job engine's
/// `subscribe_page` jobs retry transient failures, all on a real Postgres schema.
@Suite("Page subscription end to end: gateway + job engine + fake-graph + Postgres")
struct PageSubscriptionTests {
    static let page = "104857600012345"
    static let six = [
        "messages", "messaging_postbacks", "message_deliveries", "message_reads", "message_echoes", "message_reactions",
    ]
    static let appSecret = Array("subscription-app-secret".utf8)

    /// A gateway that checks tokens and subscribes pages, the `subscribe_page` job service that
    /// retries subscriptions (`retryBase`, `maxAttempts`), and fake-graph answering for `page`.
    struct Stack {
        let gateway: TestGateway
        let graph: RunningFakeGraph
        let connection: PostgresConnection
        let schema: TestSchema
        /// Every line the gateway and the worker logged, at trace level.
        let logs: LogCapture

        func put(_ token: String, page: String = PageSubscriptionTests.page) async throws -> HTTPResponse {
            try await gateway.client.execute(
                .json(
                    .put, url: gateway.url("/admin/pages/\(page)"), body: Array(#"{"access_token":"\#(token)"}"#.utf8),
                    headers: [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.adminToken)")]))
        }

        func listed() async throws -> (text: String, pages: [[String: Any]]) {
            let response = try await gateway.get(
                "/admin/pages", headers: [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.adminToken)")])
            #expect(response.status == 200, "\(response.text)")
            return (response.text, try #require(response.json?["pages"] as? [[String: Any]]))
        }

        /// The page's subscription columns as stored.
        func stored() throws -> (fields: String?, error: String?, tokenStatus: String) {
            let row = try connection.query(
                "SELECT array_to_string(subscribed_fields, ','), subscription_error, token_status FROM pages WHERE id = $1",
                [PageSubscriptionTests.page])[0]
            return (
                try row.decode(0, as: String?.self), try row.decode(1, as: String?.self),
                try row.decode(2, as: String.self)
            )
        }

        /// The page's `subscribe_page` jobs, oldest first.
        func jobs() throws -> [(state: String, attempts: Int, runAt: Date)] {
            try connection.query(
                "SELECT state, attempts, run_at FROM jobs WHERE kind = 'subscribe_page' AND unique_key = $1 ORDER BY id",
                [PageSubscriptionTests.page]
            ).map {
                (try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self), try $0.decode(2, as: Date.self))
            }
        }

        func liveJobs() throws -> Int {
            try jobs().filter { ["available", "retryable", "running"].contains($0.state) }.count
        }
    }

    static func withStack(
        retryBase: Duration = .milliseconds(200), maxAttempts: Int = 8, tokenKey: [UInt8]? = nil,
        _ body: (Stack) async throws -> Void
    ) async throws {
        var graphLogger = Logger(label: "herald.tests.subscription.graph")
        graphLogger.logLevel = .warning
        let logs = LogCapture()
        let logger = logs.logger(label: "herald.tests.subscription", level: .trace)
        let graph = try await FakeGraphServer.start(configuration: .init(pageID: page), logger: graphLogger)
        let client = HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(10), threadCount: 2))
        let checker = GraphHTTPClient(
            graphBaseURL: graph.baseURL, version: "v25.0", appSecret: appSecret, client: client)
        let subscriber = GraphHTTPClient(
            graphBaseURL: graph.baseURL, version: "v25.0", appSecret: appSecret, client: client)
        do {
            try await TestDatabase.withSchema { schema in
                try await TestGateway.with(
                    database: schema.configuration, tokenKey: tokenKey, tokenChecker: checker,
                    pageSubscriber: subscriber,
                    retryBase: retryBase, maxSendAttempts: maxAttempts, logger: logger
                ) { gateway in
                    let handler = PageSubscriptionHandler(
                        subscription: PageSubscription(
                            maxAttempts: maxAttempts, retryBase: retryBase, tokenKey: tokenKey),
                        subscriber: subscriber, clock: SystemClock(), logger: logger)
                    let worker = JobService(
                        database: schema.configuration, jobQueue: JobQueue(),
                        configuration: .init(kinds: [], threads: 1, pollInterval: .milliseconds(50)),
                        handlers: [PageSubscriptionHandler.kind: { try handler.run($0, $1) }], clock: SystemClock(),
                        logger: logger)
                    let stack = Stack(
                        gateway: gateway, graph: graph, connection: try schema.connect(), schema: schema, logs: logs)
                    try await withRunningServices([worker], logger: logger) { try await body(stack) }
                }
            }
            client.shutdown()
            await graph.stop()
        } catch {
            client.shutdown()
            await graph.stop()
            throw error
        }
    }

    /// Gives the worker (polling every 50 ms) time to make a call it should not make.
    static func settle() async throws {
        try await Task.sleep(for: .milliseconds(800))
    }

    @Test("connecting subscribes once with the six fields and the page's token; the PUT and GET show subscribed_fields")
    func connectSubscribes() async throws {
        try await Self.withStack { stack in
            let response = try await stack.put("EAAB-page-token-1")
            #expect(response.status == 200, "\(response.text)")
            let page = try #require(response.json?["page"] as? [String: Any])
            #expect(page["subscribed_fields"] as? [String] == Self.six)
            #expect(page["subscription_error"] is NSNull)
            #expect(page["token_status"] as? String == "valid")

            let calls = stack.graph.subscriptions()
            #expect(calls.count == 1)
            let call = try #require(calls.first)
            #expect(call.page == Self.page && call.version == "v25.0" && call.outcome == "ok")
            #expect(call.subscribedFields == Self.six)
            #expect(call.tokenDigest == ReceivedSend.tokenDigest(of: "EAAB-page-token-1"))
            #expect(call.appsecretProof)
            // Settled by the gateway: the job it enqueued is completed unrun, and nothing calls again.
            #expect(try stack.jobs().map(\.state) == ["completed"])
            #expect(try stack.jobs().first?.attempts == 0)
            try await Self.settle()
            #expect(stack.graph.subscriptions().count == 1)

            let (text, pages) = try await stack.listed()
            #expect(pages.first?["subscribed_fields"] as? [String] == Self.six)
            #expect(pages.first?["subscription_error"] is NSNull)
            for answer in [response.text, text] { #expect(!answer.contains("EAAB-page-token-1")) }
            #expect(!stack.logs.all.contains { $0.contains("EAAB-page-token-1") })
            #expect(stack.logs.all.contains { $0.contains("page subscribed to the app's webhooks") })
        }
    }

    @Test("a permission refusal (code 200, HTTP 403) is kept in subscription_error: 200, no retry job, no further call")
    func permanentRefusal() async throws {
        try await Self.withStack { stack in
            let response = try await stack.put("subscribe-denied-secret")
            #expect(response.status == 200, "\(response.text)")
            let page = try #require(response.json?["page"] as? [String: Any])
            #expect(page["subscribed_fields"] is NSNull)
            #expect(
                page["subscription_error"] as? String
                    == "(#200) Requires pages_manage_metadata permission to manage the object")
            #expect(page["token_status"] as? String == "valid")
            #expect(try stack.liveJobs() == 0)
            try await Self.settle()
            #expect(stack.graph.subscriptions().map(\.outcome) == ["permission-denied"])
            #expect(try stack.stored().error?.contains("pages_manage_metadata") == true)
            let (text, pages) = try await stack.listed()
            #expect(pages.first?["subscription_error"] as? String == page["subscription_error"] as? String)
            #expect(!text.contains("subscribe-denied-secret") && !response.text.contains("subscribe-denied-secret"))
            #expect(!stack.logs.all.contains { $0.contains("subscribe-denied-secret") })
            #expect(stack.logs.all.contains { $0.contains("page subscription refused by Graph") })
        }
    }

    @Test("a 190 on the subscription is kept, not retried, and marks the page's token expired as a send's does")
    func tokenExpired() async throws {
        try await Self.withStack { stack in
            let response = try await stack.put("subscribe-190")
            #expect(response.status == 200, "\(response.text)")
            let page = try #require(response.json?["page"] as? [String: Any])
            #expect(page["subscribed_fields"] is NSNull)
            #expect((page["subscription_error"] as? String)?.hasPrefix("Error validating access token") == true)
            #expect(page["token_status"] as? String == "expired")
            #expect(page["expired_at"] is String)
            #expect(try stack.liveJobs() == 0)
            try await Self.settle()
            #expect(stack.graph.subscriptions().count == 1)
        }
    }

    @Test("a transient failure answers 200 with subscription_error; the worker retries with backoff until subscribed")
    func transientThenSubscribed() async throws {
        let base = 0.2
        try await Self.withStack(retryBase: .milliseconds(200)) { stack in
            let put = Date()
            let response = try await stack.put("subscribe-flaky-2:page-secret")
            #expect(response.status == 200, "\(response.text)")
            let page = try #require(response.json?["page"] as? [String: Any])
            #expect(page["subscribed_fields"] is NSNull)
            let error = try #require(page["subscription_error"] as? String)
            #expect(error.hasPrefix("An unexpected error has occurred") && error.hasSuffix("(temporary; retrying)"))
            // The retry job waits about one base (± 20 %), not the minute it waits behind the gateway's call.
            let job = try #require(try stack.jobs().last)
            #expect(["available", "running", "retryable", "completed"].contains(job.state))
            #expect(job.runAt.timeIntervalSince(put) < 10)

            try await waitUntil("the page subscribed by the job") { try stack.stored().fields != nil }
            let stored = try stack.stored()
            #expect(stored.fields == Self.six.joined(separator: ","))
            #expect(stored.error == nil)
            let calls = stack.graph.subscriptions()
            #expect(calls.map(\.outcome) == ["temporary", "temporary", "ok"])
            #expect(Set(calls.map(\.tokenDigest)) == [ReceivedSend.tokenDigest(of: "subscribe-flaky-2:page-secret")])
            #expect(calls.allSatisfy { $0.subscribedFields == Self.six })
            // Backoff: base, then 4 × base (± 20 %; the calls' times are whole milliseconds).
            let gaps = zip(calls, calls.dropFirst()).map { $1.time.timeIntervalSince($0.time) }
            #expect(gaps.count == 2)
            #expect(gaps[0] >= base * 0.8 - 0.002, "first retry after \(gaps[0]) s")
            #expect(gaps[1] >= base * 4 * 0.8 - 0.002, "second retry after \(gaps[1]) s")
            try await waitUntil("the job completed") { try stack.jobs().last?.state == "completed" }
            #expect(try stack.jobs().map(\.attempts) == [2])

            let (text, pages) = try await stack.listed()
            #expect(pages.first?["subscribed_fields"] as? [String] == Self.six)
            #expect(pages.first?["subscription_error"] is NSNull)
            #expect(!text.contains("page-secret"))
            #expect(!stack.logs.all.contains { $0.contains("page-secret") })
            try await Self.settle()
            #expect(stack.graph.subscriptions().count == 3)
        }
    }

    @Test("transient failures past the last attempt give up: subscription_error says so, the job is discarded")
    func givesUp() async throws {
        try await Self.withStack(retryBase: .milliseconds(50), maxAttempts: 2) { stack in
            let response = try await stack.put("subscribe-flaky-9")
            #expect(response.status == 200, "\(response.text)")
            try await waitUntil("the job discarded") { try stack.jobs().last?.state == "discarded" }
            #expect(try stack.jobs().map(\.attempts) == [2])
            let stored = try stack.stored()
            #expect(stored.fields == nil)
            #expect(stored.error?.hasSuffix("(gave up after 3 tries; reconnect the page to try again)") == true)
            try await Self.settle()
            #expect(stack.graph.subscriptions().count == 3)
            #expect(stack.logs.all.contains { $0.contains("page subscription gave up after its last attempt") })
        }
    }

    @Test("reconnecting subscribes again, with the new token; a refused page is subscribed once reconnected")
    func reconnectSubscribesAgain() async throws {
        try await Self.withStack { stack in
            #expect(try await stack.put("EAAB-first").status == 200)
            let again = try await stack.put("EAAB-second")
            #expect(again.status == 200, "\(again.text)")
            let page = try #require(again.json?["page"] as? [String: Any])
            #expect(page["subscribed_fields"] as? [String] == Self.six)
            #expect(page["reconnected_at"] is String)
            #expect(
                stack.graph.subscriptions().map(\.tokenDigest)
                    == ["EAAB-first", "EAAB-second"].map(ReceivedSend.tokenDigest(of:)))

            let refused = try await stack.put("subscribe-denied-x")
            #expect((refused.json?["page"] as? [String: Any])?["subscription_error"] is String)
            let fixed = try await stack.put("EAAB-third")
            let fixedPage = try #require(fixed.json?["page"] as? [String: Any])
            #expect(fixedPage["subscribed_fields"] as? [String] == Self.six)
            #expect(fixedPage["subscription_error"] is NSNull)
            #expect(try stack.jobs().map(\.state) == ["completed", "completed", "completed", "completed"])
            try await Self.settle()
            #expect(stack.graph.subscriptions().map(\.outcome) == ["ok", "ok", "permission-denied", "ok"])
        }
    }

    @Test(
        "a connect whose gateway never recorded Graph's answer is subscribed by the job (sealed token opened by the worker)"
    )
    func jobSubscribesWithoutTheGateway() async throws {
        let key = [UInt8](repeating: 7, count: 32)
        try await Self.withStack(tokenKey: key) { stack in
            // What PUT does before its own call, then nothing more (the gateway died).
            let store = PageStore(subscription: PageSubscription(maxAttempts: 8, retryBase: .milliseconds(200)))
            let connected = try store.connect(
                .init(pageID: Self.page, accessToken: "EAAB-sealed-secret"), key: key, now: Date(), on: stack.connection
            )
            #expect(connected.page.subscribedFields == nil && connected.page.subscriptionError == nil)
            #expect(connected.subscription?.accessToken == "EAAB-sealed-secret")
            let waiting = try #require(try stack.jobs().first)
            #expect(waiting.state == "available")
            #expect(waiting.runAt.timeIntervalSinceNow > 50, "the job waits a minute behind the gateway's call")
            let (_, pending) = try await stack.listed()
            #expect(pending.first?["subscribed_fields"] is NSNull && pending.first?["subscription_error"] is NSNull)
            try await Self.settle()
            #expect(stack.graph.subscriptions().isEmpty)

            // The minute is up.
            try stack.connection.query("UPDATE jobs SET run_at = now() WHERE kind = 'subscribe_page'")
            try await waitUntil("the page subscribed by the job") { try stack.stored().fields != nil }
            let calls = stack.graph.subscriptions()
            #expect(calls.count == 1)
            #expect(calls.first?.tokenDigest == ReceivedSend.tokenDigest(of: "EAAB-sealed-secret"))
            try await waitUntil("the job completed") { try stack.jobs().first?.state == "completed" }
            #expect(!stack.logs.all.contains { $0.contains("EAAB-sealed-secret") })
        }
    }
}
