import Foundation
import Messenger
import TestSupport
import Testing

/// A Graph answer from `Tests/Fixtures/graph/NAME.json`: `{"http_status", "body"}`.
private func graphFixture(_ name: String) throws -> (status: Int, body: [UInt8]) {
    let url = RepositoryPaths.fixtures.appendingPathComponent("graph/\(name).json")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    let status = try #require(object["http_status"] as? Int)
    let body = try JSONSerialization.data(withJSONObject: try #require(object["body"]))
    return (status, Array(body))
}

/// A Graph error body as Facebook shapes it.
private func errorBody(code: Int, subcode: Int? = nil, isTransient: Bool? = nil, message: String = "(#x) test error")
    -> [UInt8]
{
    var error: [String: Any] = ["message": message, "type": "OAuthException", "code": code, "fbtrace_id": "T1"]
    if let subcode { error["error_subcode"] = subcode }
    if let isTransient { error["is_transient"] = isTransient }
    return Array(try! JSONSerialization.data(withJSONObject: ["error": error]))
}

private func requireFailure(_ outcome: GraphSendOutcome, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> GraphFailure
{
    try #require(outcome.failure, "expected a failure, got \(outcome)", sourceLocation: sourceLocation)
}

/// One case of docs/messenger.md's error table.
struct GraphErrorCase: Sendable, CustomTestStringConvertible {
    enum Source: Sendable {
        case fixture(String)
        case synthetic(status: Int, isTransient: Bool?)
    }

    var source: Source
    var code: Int
    var subcode: Int?
    var reason: GraphFailureKind
    var isTransient: Bool = false
    var maxRetries: Int? = nil

    var testDescription: String {
        let origin: String
        switch source {
        case .fixture(let name): origin = name + ".json"
        case .synthetic(let status, let transient):
            origin = "HTTP \(status)" + (transient == true ? " is_transient" : "")
        }
        return "\(code)/\(subcode.map(String.init) ?? "none") (\(origin)) → \(reason.rawValue)"
    }

    static func fixture(
        _ name: String, _ code: Int, _ subcode: Int?, _ reason: GraphFailureKind, transient: Bool = false,
        maxRetries: Int? = nil
    ) -> GraphErrorCase {
        GraphErrorCase(
            source: .fixture(name), code: code, subcode: subcode, reason: reason, isTransient: transient,
            maxRetries: maxRetries)
    }

    static func synthetic(
        _ code: Int, _ subcode: Int?, _ reason: GraphFailureKind, transient: Bool = false, maxRetries: Int? = nil,
        status: Int = 400, graphSaysTransient: Bool? = nil
    ) -> GraphErrorCase {
        GraphErrorCase(
            source: .synthetic(status: status, isTransient: graphSaysTransient), code: code, subcode: subcode,
            reason: reason, isTransient: transient, maxRetries: maxRetries)
    }

    func answer() throws -> (status: Int, body: [UInt8]) {
        switch source {
        case .fixture(let name): try graphFixture(name)
        case .synthetic(let status, let transient):
            (status, errorBody(code: code, subcode: subcode, isTransient: transient))
        }
    }
}

/// Every row of the table, every subcode it lists, and the edges around them.
let graphErrorCases: [GraphErrorCase] = [
    // 10: window
    .fixture("outside-window", 10, 2_018_278, .outsideWindow),
    .synthetic(10, 2_534_022, .outsideWindow),
    .synthetic(10, 2_018_065, .outsideWindow),
    // 190 any, 102
    .fixture("token-expired", 190, 463, .tokenExpired),
    .fixture("token-password-changed", 190, 460, .tokenExpired),
    .fixture("token-permissions-revoked", 190, nil, .tokenExpired),
    .synthetic(190, 458, .tokenExpired),
    .synthetic(190, 459, .tokenExpired),
    .synthetic(190, 464, .tokenExpired),
    .synthetic(190, 467, .tokenExpired),
    .synthetic(190, 492, .tokenExpired),
    .synthetic(190, 463, .tokenExpired, status: 500, graphSaysTransient: true),
    .synthetic(102, nil, .tokenExpired),
    // 368: blocked URL, with 1346003 or no subcode only
    .fixture("blocked-url", 368, 1_346_003, .urlBlacklisted),
    .synthetic(368, nil, .urlBlacklisted),
    .synthetic(368, 1_390_008, .unknown),
    // 100
    .fixture("file-too-large", 100, 2_018_109, .fileTooLarge),
    .synthetic(100, 2_018_294, .fileTooLarge),
    .fixture("invalid-parameter", 100, nil, .invalidFormat),
    .fixture("type-mismatch", 100, 2_018_047, .invalidFormat),
    .synthetic(100, 2_018_074, .invalidFormat),
    .synthetic(100, 2_018_014, .invalidFormat),
    .synthetic(100, 2_018_008, .unknown, transient: true, maxRetries: 1),
    .fixture("no-matching-user", 100, 2_018_001, .recipientUnavailable),
    .synthetic(100, 1_234_567, .unknown),
    // recipient unavailable
    .fixture("user-unavailable", 551, 1_545_041, .recipientUnavailable),
    .synthetic(551, nil, .recipientUnavailable),
    .synthetic(200, 1_545_041, .recipientUnavailable),
    .synthetic(200, nil, .unknown),
    // 200 without a subcode: a permission error, e.g. subscribed_apps without pages_manage_metadata (HTTP 403)
    .fixture("permission-denied", 200, nil, .unknown),
    .synthetic(10, 2_018_108, .recipientUnavailable),
    // rate limits
    .fixture("rate-limited", 613, nil, .rateLimited, transient: true),
    .fixture("user-request-limit", 17, 2_446_079, .rateLimited, transient: true),
    .synthetic(4, nil, .rateLimited, transient: true),
    .synthetic(32, nil, .rateLimited, transient: true),
    .synthetic(80_006, nil, .rateLimited, transient: true),
    .synthetic(613, 1_996, .rateLimited, transient: true),
    .synthetic(613, 2_018_338, .unknown),
    .synthetic(4, 2_018_338, .rateLimited, transient: true),
    // temporary
    .fixture("temporary", 2, nil, .graphUnavailable, transient: true, maxRetries: 3),
    .synthetic(1, nil, .graphUnavailable, transient: true, maxRetries: 3),
    .synthetic(1200, nil, .graphUnavailable, transient: true, maxRetries: 3),
    // unknown rows: not retried, even when Graph calls them transient
    .synthetic(10, 1_893_063, .unknown),
    .synthetic(10, 1_893_063, .unknown, graphSaysTransient: true),
    .synthetic(2_018_300, nil, .unknown),
    .synthetic(10, nil, .unknown),
    // no row: unknown with the code kept, unless transient by Graph's flag or a 5xx
    .synthetic(12_345, 678, .unknown),
    .synthetic(12_345, nil, .graphUnavailable, transient: true, graphSaysTransient: true),
    .synthetic(613, 2_018_338, .graphUnavailable, transient: true, graphSaysTransient: true),
    .synthetic(12_345, nil, .graphUnavailable, transient: true, status: 503),
    .synthetic(12_345, nil, .unknown, graphSaysTransient: false),
]

@Suite("Graph Send API errors: docs/messenger.md's table")
struct GraphErrorTableTests {
    @Test("each row classifies by code and subcode", arguments: graphErrorCases)
    func row(_ row: GraphErrorCase) throws {
        let (status, body) = try row.answer()
        let failure = try requireFailure(GraphResponse.classify(httpStatus: status, body: body, headers: []))
        #expect(failure.reason == row.reason)
        #expect(failure.isTransient == row.isTransient)
        #expect(failure.maxRetries == row.maxRetries)
        #expect(failure.code == row.code)
        #expect(failure.subcode == row.subcode)
        #expect(failure.httpStatus == status)
        #expect(failure.traceID != nil)
        let message = try #require(
            ((try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["error"] as? [String: Any])?[
                "message"] as? String)
        #expect(failure.detail == message)
    }

    @Test("every rule of the table is exercised by some case")
    func everyRuleCovered() {
        let hit = Set(graphErrorCases.compactMap { GraphErrorRule.rule(code: $0.code, subcode: $0.subcode) })
        for (index, rule) in GraphErrorRule.table.enumerated() {
            #expect(hit.contains(rule), "rule \(index) (\(rule.meaning)) has no case")
        }
    }

    @Test("every graph fixture is used")
    func everyFixtureUsed() throws {
        let directory = RepositoryPaths.fixtures.appendingPathComponent("graph")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
        let used = Set(
            graphErrorCases.compactMap { row -> String? in
                if case .fixture(let name) = row.source { name } else { nil }
            } + ["send-ok", "subscribe-ok"])
        #expect(files.count >= 14)
        #expect(Set(files) == used)
    }

    /// docs/messenger.md itself, row by row: codes in the first column, listed subcodes (and "none", "—",
    /// "any") in the second, the Herald reason in the fourth.
    @Test("the table agrees with docs/messenger.md's error table")
    func agreesWithSpecification() throws {
        let spec = RepositoryPaths.docs.appendingPathComponent("messenger.md")
        let text = try String(contentsOf: spec, encoding: .utf8)
        let start = try #require(text.range(of: "## Send API errors")).upperBound
        // This section only: later tables in the document are not the error table.
        let end = text[start...].range(of: "\n## ")?.lowerBound ?? text.endIndex
        let rows = text[start..<end].split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.contains("---") }
            .dropFirst()
        #expect(rows.count == 16)
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let codes = integers(cells[0])
            // "`unknown` (keep detail)" → unknown
            let reason = try #require(GraphFailureKind(rawValue: String(cells[3].split(separator: "`").first ?? "")))
            var subcodes: [Int?] = cells[1].hasPrefix("(not") ? [] : integers(cells[1])
            if ["none", "—", "any", "(not"].contains(where: cells[1].contains) { subcodes.append(nil) }
            #expect(!codes.isEmpty && !subcodes.isEmpty, "unreadable row: \(row)")
            for code in codes {
                for subcode in subcodes {
                    let rule = GraphErrorRule.rule(code: code, subcode: subcode)
                    #expect(rule?.reason == reason, "\(code)/\(subcode.map(String.init) ?? "none")")
                    let retried = cells[4].hasPrefix("yes") || cells[4].hasPrefix("one retry")
                    #expect(rule?.isTransient == retried, "\(code)/\(subcode.map(String.init) ?? "none")")
                }
            }
        }
        #expect(GraphErrorRule.rule(code: 613, subcode: 2_018_338) == nil)
    }

    private func integers(_ text: String) -> [Int] {
        text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }

    @Test("reason raw values are Herald's failure reasons")
    func rawValues() {
        #expect(
            GraphFailureKind.allCases.map(\.rawValue) == [
                "invalid_format", "file_too_large", "url_blacklisted", "outside_window", "token_expired",
                "recipient_unavailable", "rate_limited", "graph_unavailable", "unknown",
            ])
    }
}

@Suite("Graph Send API answers: success, 5xx, garbage, details")
struct GraphAnswerTests {
    @Test("send-ok.json is sent with Graph's ids")
    func sendOK() throws {
        let (status, body) = try graphFixture("send-ok")
        #expect(
            GraphResponse.classify(httpStatus: status, body: body, headers: [])
                == .sent(messageID: "m_OUT42", recipientID: "6543210987654321"))
    }

    @Test("a 200 without recipient_id is still sent")
    func sentWithoutRecipient() {
        #expect(
            GraphResponse.classify(httpStatus: 200, body: Array(#"{"message_id":"m_1"}"#.utf8), headers: [])
                == .sent(messageID: "m_1", recipientID: nil))
    }

    @Test(
        "unusable answers",
        arguments: [
            (200, "", GraphFailureKind.unknown, false),
            (200, "not json", .unknown, false),
            (200, #"{"recipient_id":"1"}"#, .unknown, false),
            (200, #"{"message_id":""}"#, .unknown, false),
            (200, #"{"message_id":true}"#, .unknown, false),
            (200, "[]", .unknown, false),
            (500, "", .graphUnavailable, true),
            (502, "<html>Bad Gateway</html>", .graphUnavailable, true),
            (503, #"{"error":"down"}"#, .graphUnavailable, true),
            (504, "{\"err", .graphUnavailable, true),
            (429, "", .rateLimited, true),
            (400, "<html>", .unknown, false),
            (404, #"{"error":["x"]}"#, .unknown, false),
            (302, "", .unknown, false),
        ] as [(Int, String, GraphFailureKind, Bool)])
    func unusable(status: Int, body: String, reason: GraphFailureKind, transient: Bool) throws {
        let failure = try requireFailure(
            GraphResponse.classify(httpStatus: status, body: Array(body.utf8), headers: []))
        #expect(failure.reason == reason)
        #expect(failure.isTransient == transient)
        #expect(failure.code == nil)
        #expect(failure.httpStatus == status)
        #expect(failure.detail.contains("HTTP \(status)"))
    }

    @Test("an error object wins over a 200 and over message_id")
    func errorOn200() throws {
        let body = #"{"message_id":"m_1","error":{"code":190,"error_subcode":463,"message":"expired"}}"#
        let failure = try requireFailure(GraphResponse.classify(httpStatus: 200, body: Array(body.utf8), headers: []))
        #expect(failure.reason == .tokenExpired)
    }

    @Test("codes as strings are read; a boolean code is not a code")
    func tolerantCodes() throws {
        let asString = #"{"error":{"code":"190","error_subcode":"460","message":"m"}}"#
        let string = try requireFailure(
            GraphResponse.classify(httpStatus: 400, body: Array(asString.utf8), headers: []))
        #expect(string.reason == .tokenExpired)
        #expect(string.subcode == 460)
        let asBool = #"{"error":{"code":true,"message":"m"}}"#
        let bool = try requireFailure(GraphResponse.classify(httpStatus: 400, body: Array(asBool.utf8), headers: []))
        #expect(bool.reason == .unknown)
        #expect(bool.code == nil)
    }

    @Test("detail: message, else error_user_msg, else the codes; trimmed; at most 500 characters")
    func detail() throws {
        func detail(_ error: String) throws -> String {
            try requireFailure(
                GraphResponse.classify(httpStatus: 400, body: Array(#"{"error":\#(error)}"#.utf8), headers: [])
            )
            .detail
        }
        #expect(
            try detail(#"{"code":1,"message":"  (#1) An unknown error occurred \n","error_user_msg":"u"}"#)
                == "(#1) An unknown error occurred")
        #expect(try detail(#"{"code":1,"message":" ","error_user_msg":"Try later"}"#) == "Try later")
        #expect(try detail(#"{"code":100,"error_subcode":2018001}"#) == "Graph error 100/2018001")
        #expect(try detail(#"{}"#) == "Graph error without a code")
        let long = String(repeating: "é", count: 1000)
        let clipped = try detail(#"{"code":100,"message":"\#(long)"}"#)
        #expect(clipped.count == 500)
        #expect(clipped.hasSuffix("…"))
        #expect(clipped.hasPrefix(String(repeating: "é", count: 499)))
        let exact = String(repeating: "a", count: 500)
        #expect(try detail(#"{"code":100,"message":"\#(exact)"}"#) == exact)
        #expect(try detail(#"{"code":100,"message":"\#(exact)b"}"#) == String(exact.dropLast()) + "…")
    }

    @Test("network failures are graph_unavailable; a timeout says the message may have gone out")
    func network() {
        let timeout = GraphResponse.networkFailure(description: "Timeout was reached", isTimeout: true)
        let refused = GraphResponse.networkFailure(description: "Couldn't connect to server", isTimeout: false)
        for failure in [timeout, refused] {
            #expect(failure.reason == .graphUnavailable)
            #expect(failure.isTransient)
            #expect(failure.code == nil && failure.httpStatus == nil && failure.maxRetries == nil)
        }
        #expect(timeout.detail.contains("Timeout was reached"))
        #expect(timeout.detail.contains("may have been delivered"))
        #expect(refused.detail.contains("Couldn't connect to server"))
        #expect(!refused.detail.contains("delivered"))
    }
}

@Suite("Graph usage headers: how long to wait")
struct GraphRetryAfterTests {
    private static func usage(_ minutes: String, id: String = "104857600012345") -> String {
        #"{"\#(id)":[{"type":"messenger","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":\#(minutes)}]}"#
    }

    @Test(
        "X-Business-Use-Case-Usage and Retry-After",
        arguments: [
            ([("X-Business-Use-Case-Usage", usage("19"))], Duration?.some(.seconds(19 * 60))),
            ([("x-business-use-case-usage", usage("5"))], .seconds(300)),
            ([("X-BUSINESS-USE-CASE-USAGE", usage(#""7""#))], .seconds(420)),
            ([("X-Business-Use-Case-Usage", usage("0.5"))], .seconds(30)),
            ([("X-Business-Use-Case-Usage", usage("0"))], nil),
            ([("X-Business-Use-Case-Usage", usage("-3"))], nil),
            ([("X-Business-Use-Case-Usage", "garbage")], nil),
            ([("X-Business-Use-Case-Usage", "")], nil),
            (
                [
                    (
                        "X-Business-Use-Case-Usage",
                        #"{"1":{"estimated_time_to_regain_access":2},"2":[{"estimated_time_to_regain_access":9}]}"#
                    )
                ], .seconds(540)
            ),
            (
                [("X-Business-Use-Case-Usage", usage("2")), ("X-Business-Use-Case-Usage", usage("4", id: "9"))],
                .seconds(240)
            ),
            ([("Retry-After", "120")], .seconds(120)),
            ([("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")], nil),
            ([("Retry-After", "30"), ("X-Business-Use-Case-Usage", usage("1"))], .seconds(60)),
            ([("X-App-Usage", #"{"call_count":100}"#)], nil),
            ([], nil),
        ] as [([(String, String)], Duration?)])
    func parse(headers: [(String, String)], expected: Duration?) {
        #expect(GraphResponse.retryAfter(headers: headers) == expected)
    }

    @Test("a rate-limited answer carries the wait; a permanent failure does not")
    func attachedToTransientOnly() throws {
        let headers = [("X-Business-Use-Case-Usage", Self.usage("19"))]
        let (status, body) = try graphFixture("rate-limited")
        let limited = try requireFailure(GraphResponse.classify(httpStatus: status, body: body, headers: headers))
        #expect(limited.retryAfter == .seconds(19 * 60))
        let (expiredStatus, expiredBody) = try graphFixture("token-expired")
        let expired = try requireFailure(
            GraphResponse.classify(httpStatus: expiredStatus, body: expiredBody, headers: headers))
        #expect(expired.retryAfter == nil)
        let bare = try requireFailure(
            GraphResponse.classify(httpStatus: 503, body: [], headers: [("Retry-After", "7")]))
        #expect(bare.retryAfter == .seconds(7))
        let plain = try requireFailure(GraphResponse.classify(httpStatus: status, body: body, headers: []))
        #expect(plain.retryAfter == nil)
    }
}
