import Curl
import Foundation
import Gateway
import Postgres
import TestSupport
import Testing

@Suite("POST /webhook: signature, limits and durable storage")
struct WebhookIngestTests {
    @Test("every fixture is accepted with its vector, stored byte for byte, and refused when one byte changes")
    func fixtures() async throws {
        try await TestDatabase.withSchema { schema in
            // The fixtures were signed with their own app secret: run a gateway keyed with it.
            let secret = try WebhookFixtures.appSecret
            try await TestGateway.with(database: schema.configuration, appSecret: secret) { gateway in
                let fixtures = try WebhookFixtures.signatures()
                #expect(fixtures.count >= 11)
                for (name, signature) in fixtures {
                    let body = try WebhookFixtures.body(name)
                    let accepted = try await gateway.postWebhook(body, signature: signature)
                    #expect(accepted.status == 200, "\(name): \(accepted.text)")
                    var tampered = body
                    tampered[body.count / 2] ^= 0x20
                    let refused = try await gateway.postWebhook(tampered, signature: signature)
                    #expect(refused.status == 401, "\(name) with one byte changed")
                    #expect(refused.errorCode == "invalid_signature")
                }
                let stored = try storedBodies(schema.configuration)
                #expect(stored == (try fixtures.map { try WebhookFixtures.body($0.name) }))
            }
        }
    }

    @Test("missing, legacy-only and malformed signatures get 401 with a JSON error, and store nothing")
    func badSignatures() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let body = Array(#"{"object":"page","entry":[]}"#.utf8)
                let url = gateway.url("/webhook")
                let missing = try await gateway.client.execute(.json(.post, url: url, body: body))
                #expect(missing.status == 401)
                #expect(missing.errorCode == "invalid_signature")

                let legacy = try await gateway.client.execute(
                    .json(
                        .post, url: url, body: body,
                        headers: [
                            HTTPHeader(name: "X-Hub-Signature", value: "sha1=" + String(repeating: "0", count: 40))
                        ]))
                #expect(legacy.status == 401)
                #expect(legacy.text.contains("legacy"))

                let malformed = try await gateway.postWebhook(body, signature: "sha256=xyz")
                #expect(malformed.status == 401)
                let wrongKey = try await gateway.postWebhook(
                    body, signature: "sha256=" + String(repeating: "ab", count: 32))
                #expect(wrongKey.status == 401)
                #expect(try storedBodies(schema.configuration).isEmpty)
            }
        }
    }

    @Test("a body over the limit gets 413, with or without Content-Length, and nothing is stored")
    func oversize() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration, maxBodyBytes: 1024) { gateway in
                let big = Array(repeating: UInt8(ascii: "x"), count: 4096)
                let declared = try await gateway.postWebhook(big)
                #expect(declared.status == 413)
                #expect(declared.errorCode == "body_too_large")
                let chunked = try await gateway.postWebhook(
                    big, extraHeaders: [HTTPHeader(name: "Transfer-Encoding", value: "chunked")])
                #expect(chunked.status == 413)
                let small = try await gateway.postWebhook(Array(repeating: UInt8(ascii: "y"), count: 1024))
                #expect(small.status == 200)
                #expect(try storedBodies(schema.configuration).count == 1)
            }
        }
    }

    @Test("bodies that are not JSON, or not for a page, are still stored exactly (nothing signed is lost)")
    func anyVerifiedBytes() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let bodies: [[UInt8]] = [
                    Array("not json at all".utf8), Array(#"{"object":"user","entry":[]}"#.utf8), [0xff, 0x00, 0xfe],
                ]
                for body in bodies {
                    let response = try await gateway.postWebhook(body)
                    #expect(response.status == 200)
                }
                let stored = try storedBodies(schema.configuration)
                #expect(stored == bodies)
            }
        }
    }

    @Test("2,000 signed posts from 64 concurrent clients: 2,000 answers of 200 and exactly 2,000 rows")
    func concurrentPosts() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration, clientThreads: 64) { gateway in
                let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for client in 0..<64 {
                        group.addTask {
                            var statuses: [Int] = []
                            for index in stride(from: client, to: 2_000, by: 64) {
                                let body = Array(#"{"object":"page","entry":[{"id":"1","time":\#(index)}]}"#.utf8)
                                statuses.append(try await gateway.postWebhook(body).status)
                            }
                            return statuses
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0 += $1 }
                }
                #expect(statuses.count == 2_000)
                #expect(statuses.allSatisfy { $0 == 200 })
                let stored = try storedBodies(schema.configuration)
                #expect(stored.count == 2_000)
                #expect(Set(stored).count == 2_000)
                // Group commit did group: fewer commits than requests.
                let metrics = try await gateway.get("/metrics").text
                let commits = try #require(Self.value(of: "herald_webhook_batch_size_count", in: metrics))
                #expect(commits < 2_000)
            }
        }
    }

    static func value(of metric: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(metric + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
