import Curl
import Foundation
import Gateway
import Postgres
import TestSupport
import Testing

@Suite("GET /webhook handshake, health, readiness and metrics")
struct HandshakeAndHealthTests {
    @Test("the right token and mode echo the challenge as plain text; anything else is 403")
    func handshake() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let token = TestGateway.verifyToken
                let ok = try await gateway.get(
                    "/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=\(token)")
                #expect(ok.status == 200)
                #expect(ok.text == "1158201444")
                #expect(ok.header("Content-Type")?.hasPrefix("text/plain") == true)

                for query in [
                    "hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong",
                    "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=\(token)",
                    "hub.mode=subscribe&hub.challenge=1", "",
                ] {
                    let refused = try await gateway.get("/webhook?\(query)")
                    #expect(refused.status == 403, "query \(query)")
                    #expect(refused.errorCode == "verification_failed")
                }
            }
        }
    }

    @Test("healthz is 200; readyz is 200 on a migrated database and 503 when migrations are pending")
    func readiness() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                #expect(try await gateway.get("/healthz").status == 200)
                let ready = try await gateway.get("/readyz")
                #expect(ready.status == 200, "\(ready.text)")
            }
        }
        try await TestDatabase.withSchema(migrated: false) { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                #expect(try await gateway.get("/healthz").status == 200)
                let notReady = try await gateway.get("/readyz")
                #expect(notReady.status == 503)
                #expect(notReady.errorCode == "migrations_pending")
            }
        }
    }

    @Test("unknown routes get a JSON 404")
    func notFound() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await gateway.get("/nope")
                #expect(response.status == 404)
                #expect(response.errorCode == "not_found")
            }
        }
    }

    @Test("metrics count requests by route and status, batches, and rejections by cause")
    func metrics() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                #expect(try await gateway.postWebhook(Array("{}".utf8)).status == 200)
                #expect(try await gateway.postWebhook(Array("{}".utf8), signature: "sha256=00").status == 401)
                let response = try await gateway.get("/metrics")
                #expect(response.status == 200)
                let text = response.text
                #expect(text.contains(#"herald_http_requests_total{route="/webhook",method="POST",status="200"} 1"#))
                #expect(text.contains(#"herald_http_requests_total{route="/webhook",method="POST",status="401"} 1"#))
                #expect(text.contains(#"herald_webhook_rejections_total{cause="signature"} 1"#))
                #expect(text.contains("herald_webhook_batch_size_count 1"))
                #expect(text.contains("herald_webhook_commit_seconds_count 1"))
                #expect(text.contains("herald_webhook_queue_depth"))
                #expect(text.contains("herald_http_request_duration_seconds_bucket"))
            }
        }
    }
}
