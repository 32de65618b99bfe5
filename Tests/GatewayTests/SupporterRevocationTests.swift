import Curl
import Foundation
import Postgres
import TestSupport
import Testing

/// Two gateways on one schema stand for two `herald serve` replicas: they share only Postgres,
/// and each keeps its own token cache and its own change stream.
@Suite("Revoking or rotating a supporter takes effect on every replica within 5 s")
struct SupporterRevocationTests {
    @Test("revoked on one replica: the other refuses the token and closes its open stream within 5 s")
    func revokeAcrossReplicas() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { first in
                try await TestGateway.with(database: schema.configuration) { second in
                    let lan = try await first.createSupporter("Lan")
                    let minh = try await first.createSupporter("Minh")
                    // The second replica has the token cached as valid, and a stream open.
                    #expect(try await second.apiGet("/v1/me", token: lan.token).status == 200)
                    let stream = try SSEClient(
                        port: second.port, path: "/v1/stream", headers: ["Authorization": "Bearer \(lan.token)"])
                    defer { stream.close() }
                    let other = try SSEClient(
                        port: second.port, path: "/v1/stream", headers: ["Authorization": "Bearer \(minh.token)"])
                    defer { other.close() }
                    #expect(await stream.wait { $0.contains { $0.comment == "connected" } })
                    #expect(await other.wait { $0.contains { $0.comment == "connected" } })
                    #expect(stream.status == 200)

                    let revoked = try await first.call(
                        .delete, "/admin/supporters/\(lan.id)", token: TestGateway.adminToken)
                    #expect(revoked.status == 204)
                    let start = ContinuousClock.now
                    try await waitUntil("the second replica refuses the revoked token", timeout: .seconds(5)) {
                        try await second.apiGet("/v1/me", token: lan.token).status == 401
                    }
                    let closed = await stream.wait(timeout: .seconds(5) - (ContinuousClock.now - start)) { _ in
                        stream.isClosed
                    }
                    #expect(closed, "the revoked token's stream is closed within 5 s")
                    #expect(stream.events.last?.event == "stream.reset")
                    #expect(stream.events.last?.json?["reason"] as? String == "token_revoked")
                    // Another supporter's stream stays open, and their token still works.
                    #expect(!other.isClosed)
                    #expect(try await second.apiGet("/v1/me", token: minh.token).status == 200)
                }
            }
        }
    }

    @Test("rotated on one replica: the other refuses the old token within 5 s and takes the new one")
    func rotateAcrossReplicas() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { first in
                try await TestGateway.with(database: schema.configuration) { second in
                    let lan = try await first.createSupporter("Lan")
                    #expect(try await second.apiGet("/v1/me", token: lan.token).status == 200)
                    let stream = try SSEClient(
                        port: second.port, path: "/v1/stream", headers: ["Authorization": "Bearer \(lan.token)"])
                    defer { stream.close() }
                    #expect(await stream.wait { $0.contains { $0.comment == "connected" } })

                    let rotated = try await first.call(
                        .post, "/admin/supporters/\(lan.id)/token", token: TestGateway.adminToken)
                    let newToken = try #require(rotated.json?["token"] as? String)
                    try await waitUntil("the second replica refuses the old token", timeout: .seconds(5)) {
                        try await second.apiGet("/v1/me", token: lan.token).status == 401
                    }
                    #expect(await stream.wait(timeout: .seconds(5)) { _ in stream.isClosed })
                    #expect(try await second.apiGet("/v1/me", token: newToken).status == 200)
                }
            }
        }
    }
}
