import Curl
import Foundation
import Postgres
import TestSupport
import Testing

/// Every way `/admin/webhook-events` refuses a request: no admin token (the `/v1` token is not
/// one), bad parameters, unknown events, and bulk-retry bodies that could retry the wrong set.
@Suite("/admin/webhook-events refusals")
struct AdminWebhookEventErrorTests {
    typealias Routes = AdminWebhookEventTests

    @Test("without the admin token, with the API token, or another scheme: 401 on every route, nothing retried")
    func unauthorized() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let id = try Routes.store(Routes.page("P"), state: "parked", connection)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let requests: [(HTTPRequest.Method, String)] = [
                    (.get, "/admin/webhook-events"), (.get, "/admin/webhook-events/\(id)"),
                    (.post, "/admin/webhook-events/\(id)/retry"), (.post, "/admin/webhook-events/retry"),
                ]
                let headers: [[HTTPHeader]] = [
                    [], [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.apiToken)")],
                    [HTTPHeader(name: "Authorization", value: "Bearer wrong")],
                    [HTTPHeader(name: "Authorization", value: "Basic \(TestGateway.adminToken)")],
                ]
                for (method, path) in requests {
                    for header in headers {
                        let body: [UInt8]? = method == .get ? nil : Array(#"{"state":"parked"}"#.utf8)
                        let response = try await gateway.client.execute(
                            HTTPRequest(method: method, url: gateway.url(path), headers: header, body: body))
                        #expect(response.status == 401, "\(method) \(path) \(header): \(response.text)")
                        #expect(response.errorCode == "unauthorized")
                        #expect(response.header("WWW-Authenticate") == "Bearer")
                    }
                }
                #expect(
                    try connection.query("SELECT state FROM webhook_events")[0].decode(0, as: String.self) == "parked")
            }
        }
    }

    @Test("bad state, limit, before or id: 400; unknown ids: 404")
    func parameters() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                for query in [
                    "state=bogus", "state=", "state=PARKED", "limit=0", "limit=201", "limit=x", "before=0", "before=-5",
                    "before=x",
                ] {
                    let response = try await Routes.get(gateway, "/admin/webhook-events?\(query)")
                    #expect(response.status == 400, "\(query): \(response.text)")
                    #expect(response.errorCode == "invalid_parameter", "\(query)")
                }
                for id in ["abc", "0", "-1", "1.5", "99999999999999999999"] {
                    let read = try await Routes.get(gateway, "/admin/webhook-events/\(id)")
                    #expect(read.status == 400 && read.errorCode == "invalid_id", "\(id): \(read.text)")
                    let retry = try await Routes.post(gateway, "/admin/webhook-events/\(id)/retry")
                    #expect(retry.status == 400 && retry.errorCode == "invalid_id", "\(id): \(retry.text)")
                }
                let read = try await Routes.get(gateway, "/admin/webhook-events/424242")
                #expect(read.status == 404 && read.errorCode == "webhook_event_not_found", "\(read.text)")
                let retry = try await Routes.post(gateway, "/admin/webhook-events/424242/retry")
                #expect(retry.status == 404 && retry.errorCode == "webhook_event_not_found", "\(retry.text)")
            }
        }
    }

    @Test(
        "bulk retry bodies that are not exactly the documented shape: 400 invalid_body naming the field; 413 over 64 KiB"
    )
    func bulkBodies() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try Routes.store(Routes.page("P"), state: "processed", connection)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let cases: [(String, String)] = [
                    ("", "body must be"), ("not json", "body must be"), ("[]", "body must be"),
                    (#""parked""#, "body must be"),
                    ("{}", "state is required"), (#"{"state": null}"#, "state is required"),
                    (#"{"state": 1}"#, "state is required"),
                    (#"{"state": "dead"}"#, "state must be one of pending, processed, parked"),
                    (#"{"state": "processed", "since": "yesterday"}"#, "since must be an RFC 3339 time"),
                    (#"{"state": "processed", "since": "2026-13-01T00:00:00Z"}"#, "since must be an RFC 3339 time"),
                    (#"{"state": "processed", "since": "2026-11-26"}"#, "since must be an RFC 3339 time"),
                    (#"{"state": "processed", "since": 1764140400}"#, "since must be an RFC 3339 time"),
                    (#"{"state": "processed", "page_id": ""}"#, "page_id must be a non-empty string"),
                    (#"{"state": "processed", "page_id": 104857600012345}"#, "page_id must be a non-empty string"),
                    (#"{"state": "processed", "sinse": "2026-11-26T00:00:00Z"}"#, #"unknown field \"sinse\""#),
                ]
                for (body, message) in cases {
                    let response = try await Routes.post(gateway, "/admin/webhook-events/retry", body)
                    #expect(response.status == 400, "\(body): \(response.text)")
                    #expect(response.errorCode == "invalid_body", "\(body)")
                    #expect(response.text.contains(message), "\(body): \(response.text)")
                }
                let large = try await Routes.post(
                    gateway, "/admin/webhook-events/retry",
                    #"{"state": "processed", "page_id": ""# + String(repeating: "9", count: 70_000) + #""}"#)
                #expect(large.status == 413 && large.errorCode == "body_too_large", "\(large.text)")
                #expect(
                    try connection.query("SELECT state FROM webhook_events")[0].decode(0, as: String.self)
                        == "processed")
            }
        }
    }
}
