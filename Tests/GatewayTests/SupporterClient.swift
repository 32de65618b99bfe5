import Curl
import Foundation
import Postgres
import TestSupport

/// The admin and `/v1` calls the supporter tests make, on a `TestGateway`.
extension TestGateway {
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String?, json: String? = nil
    ) async throws -> HTTPResponse {
        var headers: [HTTPHeader] = []
        if let token { headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)")) }
        if json != nil { headers.append(HTTPHeader(name: "Content-Type", value: "application/json")) }
        let body: [UInt8]? = method == .get ? nil : Array((json ?? "").utf8)
        return try await client.execute(HTTPRequest(method: method, url: url(path), headers: headers, body: body))
    }

    /// Creates a supporter through the admin API; its id and token.
    func createSupporter(_ name: String, email: String? = nil) async throws -> (id: Int64, token: String) {
        let email = email.map { #", "email": "\#($0)""# } ?? ""
        let response = try await call(
            .post, "/admin/supporters", token: TestGateway.adminToken, json: #"{"name": "\#(name)"\#(email)}"#)
        guard response.status == 201, let body = response.json, let id = (body["id"] as? NSNumber)?.int64Value,
            let token = body["token"] as? String
        else { throw SupporterCallFailed(response: response.text) }
        return (id, token)
    }

    /// Sends a text message to `psid` of `page` with `token`; the answer's JSON.
    func sendText(_ text: String, page: String, psid: String, token: String) async throws -> [String: Any] {
        let response = try await call(
            .post, "/v1/pages/\(page)/customers/\(psid)/messages", token: token, json: #"{"text": "\#(text)"}"#)
        guard response.status == 201, let body = response.json else {
            throw SupporterCallFailed(response: response.text)
        }
        return body
    }
}

struct SupporterCallFailed: Error, CustomStringConvertible {
    var response: String
    var description: String { "unexpected answer: \(response)" }
}

/// SQL from a test, on a thread of its own (never the cooperative pool).
func runSQL(
    _ schema: TestSchema, _ sql: String, _ parameters: [any PostgresEncodable] = []
) async throws -> PostgresRows {
    let configuration = schema.configuration
    return try await TestDatabase.offPool {
        try PostgresConnection(configuration: configuration).query(sql, parameters)
    }
}
