import Curl
import FakeGraph
import Foundation
import Logging
import TestSupport

/// Real HTTP over loopback to an in-process `fake-graph`, through Herald's libcurl client.
struct FakeGraphHarness {
    static let client = HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(10), threadCount: 4))

    let server: RunningFakeGraph

    /// Warnings and worse only, so test output is not one "listening" line per test.
    static let logger: Logger = {
        var logger = Logger(label: "fake-graph.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` against a fresh server on a free port and stops the server afterwards, even on failure.
    @discardableResult
    static func with<T>(
        _ configuration: FakeGraphConfiguration = FakeGraphConfiguration(),
        _ body: (FakeGraphHarness) async throws -> T
    ) async throws -> T {
        let server = try await FakeGraphServer.start(
            configuration: configuration, logger: logger)
        do {
            let result = try await body(FakeGraphHarness(server: server))
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// `POST /v25.0/{page}/messages` with `body` as sent (so malformed JSON stays malformed).
    func send(raw body: String, token: String? = "page-token", page: String = "me") async throws -> HTTPResponse {
        var url = "\(server.baseURL)/v25.0/\(page)/messages"
        if let token { url += "?access_token=\(token)&appsecret_proof=abc123" }
        return try await Self.client.execute(.json(.post, url: url, body: Array(body.utf8)))
    }

    /// A text send to `recipient`.
    func send(to recipient: String, text: String = "Hello", token: String? = "page-token") async throws -> HTTPResponse
    {
        try await send(raw: Self.textBody(recipient: recipient, text: text), token: token)
    }

    func get(_ path: String) async throws -> HTTPResponse {
        try await Self.client.execute(HTTPRequest(method: .get, url: server.baseURL + path))
    }

    func post(_ path: String, body: String) async throws -> HTTPResponse {
        try await Self.client.execute(.json(.post, url: server.baseURL + path, body: Array(body.utf8)))
    }

    func delete(_ path: String) async throws -> HTTPResponse {
        try await Self.client.execute(HTTPRequest(method: .delete, url: server.baseURL + path))
    }

    static func textBody(recipient: String, text: String, metadata: String = "herald-1") -> String {
        json([
            "recipient": ["id": recipient], "messaging_type": "RESPONSE",
            "message": ["text": text, "metadata": metadata],
        ])
    }

    static func attachmentBody(recipient: String, url: String) -> String {
        json([
            "recipient": ["id": recipient], "messaging_type": "RESPONSE",
            "message": ["attachment": ["type": "image", "payload": ["url": url, "is_reusable": true]]],
        ])
    }

    static func templateBody(recipient: String, buttonURL: String) -> String {
        json([
            "recipient": ["id": recipient], "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
            "message": [
                "attachment": [
                    "type": "template",
                    "payload": [
                        "template_type": "generic",
                        "elements": [
                            ["title": "Shoes", "buttons": [["type": "web_url", "title": "See", "url": buttonURL]]]
                        ],
                    ],
                ]
            ],
        ])
    }

    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The keys of a fixture's `body` (`send-ok`: `recipient_id`, `message_id`).
    static func objectKeys(fixture name: String) throws -> [String] {
        let url = RepositoryPaths.fixtures.appendingPathComponent("graph/\(name).json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        return ((object?["body"] as? [String: Any]) ?? [:]).keys.sorted()
    }

    /// A response body as a JSON object.
    static func object(_ response: HTTPResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
