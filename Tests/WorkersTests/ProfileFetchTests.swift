import FakeGraph
import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import TestSupport
import Testing
import Workers

/// `fetch_profile` jobs through the real pool: ProfileRefresh → jobs → ProfileWorker (libcurl)
/// → fake-graph's User Profile API over loopback → the customer row.
@Suite("Customer profiles through fake-graph")
struct ProfileFetchTests {
    static let page = "104857600012345"

    struct Stack {
        let connection: PostgresConnection
        let graph: RunningFakeGraph

        /// A customer seen now, and its profile scheduled as ingest schedules it.
        func addCustomer(_ psid: String) throws {
            try connection.query(
                """
                INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
                VALUES ($1, $2, now(), now(), now(), 1)
                """, [ProfileFetchTests.page, psid])
            try ProfileRefresh().schedule(customers: [(ProfileFetchTests.page, psid)], now: Date(), on: connection)
        }

        func profile(_ psid: String) throws -> (
            status: String, name: String?, first: String?, last: String?, pic: String?, error: String?
        ) {
            let row = try connection.query(
                """
                SELECT profile_status, name, first_name, last_name, profile_pic, profile_error
                FROM customers WHERE page_id = $1 AND psid = $2
                """, [ProfileFetchTests.page, psid])[0]
            return (
                try row.decode(0, as: String.self), try row.decode(1, as: String?.self),
                try row.decode(2, as: String?.self),
                try row.decode(3, as: String?.self), try row.decode(4, as: String?.self),
                try row.decode(5, as: String?.self)
            )
        }

        func job(_ psid: String) throws -> (state: String, attempts: Int) {
            let row = try connection.query(
                "SELECT state, attempts FROM jobs WHERE kind = 'fetch_profile' AND unique_key = $1 ORDER BY id DESC LIMIT 1",
                ["\(ProfileFetchTests.page):\(psid)"])[0]
            return (try row.decode(0, as: String.self), try row.decode(1, as: Int.self))
        }

        func tokenStatus() throws -> String {
            try connection.query("SELECT token_status FROM pages WHERE id = $1", [ProfileFetchTests.page])[0]
                .decode(0, as: String.self)
        }
    }

    static func withStack(token: String = "valid-token", maxAttempts: Int = 8, _ body: (Stack) async throws -> Void)
        async throws
    {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.query(
                "INSERT INTO pages (id, name, access_token, token_encrypted, connected_at) VALUES ($1, 'Test page', $2, false, now())",
                [page, Array(token.utf8)])
            var logger = Logger(label: "herald.tests.profiles")
            logger.logLevel = .warning
            let graph = try await FakeGraphServer.start(configuration: .init(pageID: page), logger: logger)
            let worker = ProfileWorker(
                database: schema.configuration,
                configuration: .init(
                    graphURL: graph.baseURL, graphVersion: "v25.0", appSecret: Array("secret".utf8),
                    retryBase: .milliseconds(20)),
                pollInterval: .milliseconds(50), logger: logger)
            do {
                try await withRunningServices([worker], logger: logger) {
                    try await body(Stack(connection: connection, graph: graph))
                }
            } catch {
                await graph.stop()
                throw error
            }
            await graph.stop()
        }
    }

    @Test("a profile is fetched with the page token and appsecret_proof, and stored with its trimmed full name")
    func fetched() async throws {
        try await Self.withStack { stack in
            stack.graph.script(
                ScriptedProfile(
                    psid: "c-an", firstName: "Nguyễn", lastName: " Văn An ", profilePic: "https://cdn.example/an.jpg"))
            try stack.addCustomer("c-an")
            try await waitUntil("profile fetched, job completed") {
                try stack.profile("c-an").status == "fetched" && stack.job("c-an").state == "completed"
            }
            let profile = try stack.profile("c-an")
            #expect(profile.name == "Nguyễn Văn An")
            #expect(profile.first == "Nguyễn" && profile.last == "Văn An")
            #expect(profile.pic == "https://cdn.example/an.jpg")
            #expect(profile.error == nil)
            // The stream hears of it: a customer.updated change for the insert, one for the profile.
            let changes = try stack.connection.query(
                "SELECT count(*) FROM changes WHERE kind = 'customer.updated' AND psid = 'c-an'")[0].decode(
                    0, as: Int.self)
            #expect(changes == 2)
            let call = try #require(stack.graph.profileRequests().first)
            #expect(call.psid == "c-an" && call.version == "v25.0")
            #expect(call.fields == ["first_name", "last_name", "profile_pic"])
            #expect(call.appsecretProof)
            #expect(call.tokenDigest == ReceivedSend.tokenDigest(of: "valid-token"))
        }
    }

    @Test(
        "a refusal ends unavailable with Graph's error kept, after one call",
        arguments: [("no-profile", "code 100/33"), ("profile-denied", "code 200")])
    func refused(psid: String, code: String) async throws {
        try await Self.withStack { stack in
            try stack.addCustomer(psid)
            try await waitUntil("profile unavailable, job completed") {
                try stack.profile(psid).status == "unavailable" && stack.job(psid).state == "completed"
            }
            let profile = try stack.profile(psid)
            #expect(profile.name == nil)
            let error = try #require(profile.error)
            #expect(error.contains(code), "\(error)")
            #expect(stack.graph.profileRequests().count == 1)
        }
    }

    @Test("outages and rate limits retry with backoff until Graph answers", arguments: ["flaky-2", "flaky-3"])
    func transient(psid: String) async throws {
        try await Self.withStack { stack in
            try stack.addCustomer(psid)
            try await waitUntil("profile fetched after retries, job completed") {
                try stack.profile(psid).status == "fetched" && stack.job(psid).state == "completed"
            }
            let calls = stack.graph.profileRequests().filter { $0.psid == psid }
            let failures = Int(psid.dropFirst("flaky-".count).prefix(1))!
            #expect(calls.map(\.outcome) == Array(repeating: "temporary", count: failures) + ["ok"])
            #expect(try stack.job(psid).attempts == failures + 1)
        }
    }

    @Test("a rate limit (613) retries after the wait Graph's usage header asks for, the profile still pending")
    func rateLimited() async throws {
        try await Self.withStack { stack in
            let started = Date()
            try stack.addCustomer("rate-limited")
            try await waitUntil("job retryable") { try stack.job("rate-limited").state == "retryable" }
            let runAt = try stack.connection.query(
                "SELECT run_at FROM jobs WHERE kind = 'fetch_profile' AND unique_key = $1",
                ["\(Self.page):rate-limited"]
            )[0].decode(0, as: Date.self)
            // estimated_time_to_regain_access is 5 minutes.
            #expect(runAt.timeIntervalSince(started) >= 4 * 60)
            let profile = try stack.profile("rate-limited")
            #expect(profile.status == "pending")
            #expect(profile.error?.contains("code 613") == true)
        }
    }

    @Test("an outage that outlasts the attempts leaves the profile pending, with the error, and the job discarded")
    func rateLimitedGivesUp() async throws {
        try await Self.withStack { stack in
            try stack.connection.query(
                "INSERT INTO customers (page_id, psid, last_active_at) VALUES ($1, 'temporary', now())",
                [Self.page])
            try ProfileRefresh(maxAttempts: 2).schedule(
                customers: [(Self.page, "temporary")], now: Date(), on: stack.connection)
            try await waitUntil("job discarded") { try stack.job("temporary").state == "discarded" }
            let profile = try stack.profile("temporary")
            #expect(profile.status == "pending")
            #expect(profile.error?.contains("code 2") == true)
            #expect(stack.graph.profileRequests().count == 2)
        }
    }

    @Test("a token error (190) marks the page expired as a send does; the profile stays pending")
    func tokenExpired() async throws {
        try await Self.withStack(token: "expired-token") { stack in
            try stack.addCustomer("c-190")
            try await waitUntil("page expired") { try stack.tokenStatus() == "expired" }
            try await waitUntil("job completed") { try stack.job("c-190").state == "completed" }
            let profile = try stack.profile("c-190")
            #expect(profile.status == "pending")
            #expect(profile.error?.contains("code 190/463") == true)
            let expiredAt = try stack.connection.query("SELECT token_expired_at FROM pages WHERE id = $1", [Self.page])[
                0
            ]
            .decode(0, as: Date?.self)
            #expect(expiredAt != nil)
        }
    }

    @Test("a person without a picture is fetched with profile_pic null")
    func noPicture() async throws {
        try await Self.withStack { stack in
            try stack.addCustomer("no-picture")
            try await waitUntil("profile fetched") { try stack.profile("no-picture").status == "fetched" }
            let profile = try stack.profile("no-picture")
            #expect(profile.pic == nil)
            #expect(profile.name == "User no-picture")
        }
    }
}
