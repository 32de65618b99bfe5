import Foundation

/// How `fake-graph` answers one request, chosen from the access token, the recipient and the URLs
/// in the message by the first matching row of ``table``. Pure: no state, no I/O.
///
/// | trigger                                              | scenario          | answer (fixture)                  |
/// | ---------------------------------------------------- | ----------------- | --------------------------------- |
/// | no `access_token`                                    | missing-token     | 400, code 2500                    |
/// | token contains `expired`                             | expired           | token-expired (190/463)           |
/// | token contains `password`                            | password-changed  | token-password-changed (190/460)  |
/// | token contains `revoked`                             | revoked           | token-permissions-revoked (190)   |
/// | recipient `blocked-url`, or text / any attachment    | blocked-url       | blocked-url (368/1346003)         |
/// |   payload string contains `blocked.example`          |                   |                                   |
/// | recipient `outside-window`                           | outside-window    | outside-window (10/2018278)       |
/// | recipient `user-unavailable`                         | user-unavailable  | user-unavailable (551/1545041)    |
/// | recipient `no-user`                                  | no-user           | no-matching-user (100/2018001)    |
/// | recipient `rate-limited`                             | rate-limited      | rate-limited (613) + usage header |
/// | recipient `temporary`                                | temporary         | temporary (2, transient), HTTP 500|
/// | recipient `too-large`, or attachment `payload.url`   | too-large         | file-too-large (100/2018109)      |
/// |   contains `too-large`                               |                   |                                   |
/// | recipient `invalid`                                  | invalid           | invalid-parameter (100)           |
/// | recipient `type-mismatch`                            | type-mismatch     | type-mismatch (100/2018047)       |
/// | recipient `user-request-limit`                       | user-request-limit| user-request-limit (17/2446079)   |
/// | recipient `http-500`                                 | http-500          | HTTP 500, HTML body               |
/// | recipient `flaky-N` (N = 0…1000)                     | flaky-N           | first N sends to that recipient:  |
/// |                                                      |                   | temporary; then success           |
/// | anything else                                        | ok                | 200 `{recipient_id, message_id}`  |
///
/// A recipient matches its keyword exactly or followed by `:` and any suffix (`outside-window:42`,
/// `flaky-3:order-17`), so tests can use distinct recipients; flaky counts are per full recipient.
/// Token rows apply to `GET /me` too; the others only to sends. URLs allowed with
/// `POST /_fake/allowed-urls` no longer trigger `blocked-url`; `POST /_fake/outage?seconds=N`
/// answers every Graph request with `temporary` (HTTP 500) for N seconds.
///
/// `POST /{version}/{page}/subscribed_apps` is chosen by the token only, from
/// ``subscriptionTable``: no token is code 104, the token rows above answer as they do for sends,
/// no `subscribed_fields` is code 100 (checked by the route), then:
///
/// | token contains        | scenario            | answer                                          |
/// | --------------------- | ------------------- | ----------------------------------------------- |
/// | `subscribe-denied`    | subscribe-denied    | permission-denied (HTTP 403, code 200)          |
/// | `subscribe-190`       | subscribe-190       | token-expired (190/463)                         |
/// | `subscribe-flaky-N`   | subscribe-flaky-N   | first N calls with that token: temporary; then  |
/// |                       |                     | success                                         |
/// | anything else         | ok                  | 200 `{"success": true}`                         |
///
/// None of these contains `expired`, `password` or `revoked`, so `GET /me` accepts such tokens
/// and a connect reaches the subscription.
public struct FakeGraphScenario: Sendable, Hashable, CustomStringConvertible {
    /// What answers a matching request.
    public enum Behaviour: Sendable, Hashable {
        /// 200 with a new message id.
        case succeed
        /// Always this failure.
        case fail(FakeGraphFailure)
        /// The first `count` attempts per recipient fail with `failure`, the rest succeed.
        case failFirst(count: Int, failure: FakeGraphFailure)
    }

    /// What selects a row.
    public enum Trigger: Sendable, Hashable {
        /// The request has no (or an empty) `access_token`.
        case missingToken
        /// The access token contains the string.
        case tokenContains(String)
        /// The recipient is the keyword, or the keyword followed by `:` and a suffix.
        case recipient(String)
        /// The recipient is `flaky-N` (optionally `:suffix`); N becomes the failure count.
        case flakyRecipient
        /// The text or any string in the attachment payload contains the string.
        case contentContains(String)
        /// An attachment's `payload.url` contains the string.
        case attachmentURLContains(String)
        /// The access token contains `subscribe-flaky-N` (`subscribed_apps` only); N becomes the
        /// failure count.
        case flakyToken

        /// Whether this trigger looks at the token, the only part `GET /me` has.
        public var isTokenTrigger: Bool {
            switch self {
            case .missingToken, .tokenContains: true
            default: false
            }
        }
    }

    /// One row of ``table``.
    public struct Rule: Sendable, Hashable {
        public var name: String
        public var triggers: [Trigger]
        public var behaviour: Behaviour
    }

    /// What a request offers to the choice.
    public struct Input: Sendable, Hashable {
        /// The `access_token` query parameter; `nil` or empty when absent.
        public var accessToken: String?
        /// `recipient.id`.
        public var recipient: String?
        /// `message.text` and every string inside `message.attachment.payload`.
        public var content: [String]
        /// `message.attachment.payload.url`, when present.
        public var attachmentURLs: [String]
        /// URLs taken off the blocklist (`POST /_fake/allowed-urls`): removed from ``content``
        /// before the `blocked.example` check, so a released URL goes through.
        public var allowedURLs: [String]

        public init(
            accessToken: String?, recipient: String? = nil, content: [String] = [], attachmentURLs: [String] = [],
            allowedURLs: [String] = []
        ) {
            self.accessToken = accessToken
            self.recipient = recipient
            self.content = content
            self.attachmentURLs = attachmentURLs
            self.allowedURLs = allowedURLs
        }
    }

    /// The row's name, with N filled in for `flaky-N`.
    public var name: String
    public var behaviour: Behaviour

    public var description: String { name }

    /// The answer when nothing is scripted.
    public static let ok = FakeGraphScenario(name: "ok", behaviour: .succeed)

    /// Largest N accepted in `flaky-N`, so one recipient cannot pin a huge counter.
    public static let maxFlakyCount = 1000

    /// The rows, first match wins: token problems come first because Graph checks the token
    /// before it reads the body.
    public static let table: [Rule] = [
        Rule(name: "missing-token", triggers: [.missingToken], behaviour: .fail(.missingToken)),
        Rule(name: "expired", triggers: [.tokenContains("expired")], behaviour: .fail(.tokenExpired)),
        Rule(name: "password-changed", triggers: [.tokenContains("password")], behaviour: .fail(.tokenPasswordChanged)),
        Rule(name: "revoked", triggers: [.tokenContains("revoked")], behaviour: .fail(.tokenPermissionsRevoked)),
        Rule(
            name: "blocked-url", triggers: [.recipient("blocked-url"), .contentContains("blocked.example")],
            behaviour: .fail(.blockedURL)),
        Rule(name: "outside-window", triggers: [.recipient("outside-window")], behaviour: .fail(.outsideWindow)),
        Rule(name: "user-unavailable", triggers: [.recipient("user-unavailable")], behaviour: .fail(.userUnavailable)),
        Rule(name: "no-user", triggers: [.recipient("no-user")], behaviour: .fail(.noMatchingUser)),
        Rule(name: "rate-limited", triggers: [.recipient("rate-limited")], behaviour: .fail(.rateLimited)),
        Rule(name: "temporary", triggers: [.recipient("temporary")], behaviour: .fail(.temporary)),
        Rule(
            name: "too-large", triggers: [.recipient("too-large"), .attachmentURLContains("too-large")],
            behaviour: .fail(.fileTooLarge)),
        Rule(name: "invalid", triggers: [.recipient("invalid")], behaviour: .fail(.invalidParameter)),
        Rule(name: "type-mismatch", triggers: [.recipient("type-mismatch")], behaviour: .fail(.typeMismatch)),
        Rule(
            name: "user-request-limit", triggers: [.recipient("user-request-limit")],
            behaviour: .fail(.userRequestLimit)),
        Rule(name: "http-500", triggers: [.recipient("http-500")], behaviour: .fail(.http500)),
        Rule(name: "flaky-N", triggers: [.flakyRecipient], behaviour: .failFirst(count: 0, failure: .temporary)),
    ]

    /// The rows for `POST /{version}/{page}/subscribed_apps`, first match wins: Graph's answer to a
    /// missing token there (code 104), the token rows of ``table``, then the subscription's own.
    public static let subscriptionTable: [Rule] =
        [Rule(name: "missing-token", triggers: [.missingToken], behaviour: .fail(.accessTokenRequired))]
        + tokenTable.filter { !$0.triggers.contains(.missingToken) }
        + subscriptionRows

    /// The rows only `subscribed_apps` has (`fake-graph --help` lists them).
    public static let subscriptionRows: [Rule] = [
        Rule(
            name: "subscribe-denied", triggers: [.tokenContains("subscribe-denied")],
            behaviour: .fail(.permissionDenied)),
        Rule(name: "subscribe-190", triggers: [.tokenContains("subscribe-190")], behaviour: .fail(.tokenExpired)),
        Rule(name: "subscribe-flaky-N", triggers: [.flakyToken], behaviour: .failFirst(count: 0, failure: .temporary)),
    ]

    /// The scenario for a request to `GET /me`: only the token rows apply.
    public static func forToken(_ accessToken: String?) -> FakeGraphScenario {
        choose(Input(accessToken: accessToken), rows: tokenTable)
    }

    /// The scenario for `POST /{version}/{page}/subscribed_apps` (``subscriptionTable``).
    public static func forSubscription(_ accessToken: String?) -> FakeGraphScenario {
        choose(Input(accessToken: accessToken), rows: subscriptionTable)
    }

    private static let tokenTable = table.filter { $0.triggers.allSatisfy(\.isTokenTrigger) }

    /// The scenario for a send.
    public static func forSend(_ input: Input) -> FakeGraphScenario {
        choose(input, rows: table)
    }

    static func choose(_ input: Input, rows: [Rule]) -> FakeGraphScenario {
        let keyword = input.recipient.map(keywordPart)
        for rule in rows {
            for trigger in rule.triggers {
                if let scenario = apply(rule, trigger, to: input, keyword: keyword) { return scenario }
            }
        }
        return .ok
    }

    /// `keyword`: the recipient's keyword part, found once per request.
    private static func apply(_ rule: Rule, _ trigger: Trigger, to input: Input, keyword: Substring?)
        -> FakeGraphScenario?
    {
        let token = input.accessToken ?? ""
        let matched: Bool
        switch trigger {
        case .missingToken: matched = token.isEmpty
        case .tokenContains(let text): matched = token.contains(text)
        case .recipient(let name): matched = keyword == Substring(name)
        case .contentContains(let text):
            matched = input.content.contains { string in
                input.allowedURLs.reduce(string) { $0.replacingOccurrences(of: $1, with: "") }.contains(text)
            }
        case .attachmentURLContains(let text): matched = input.attachmentURLs.contains { $0.contains(text) }
        case .flakyRecipient:
            guard let count = keyword.flatMap(flakyCount(keyword:)) else { return nil }
            return FakeGraphScenario(name: "flaky-\(count)", behaviour: .failFirst(count: count, failure: .temporary))
        case .flakyToken:
            guard let count = flakyTokenCount(token) else { return nil }
            return FakeGraphScenario(
                name: "subscribe-flaky-\(count)", behaviour: .failFirst(count: count, failure: .temporary))
        }
        return matched ? FakeGraphScenario(name: rule.name, behaviour: rule.behaviour) : nil
    }

    /// N in `flaky-N` or `flaky-N:suffix`, when 0 ≤ N ≤ ``maxFlakyCount``.
    static func flakyCount(_ recipient: String) -> Int? {
        flakyCount(keyword: keywordPart(of: recipient))
    }

    private static func flakyCount(keyword: Substring) -> Int? {
        guard keyword.hasPrefix("flaky-"), let count = Int(keyword.dropFirst("flaky-".count)),
            (0...maxFlakyCount).contains(count)
        else { return nil }
        return count
    }

    /// N of the first `subscribe-flaky-N` in `token` (N = the digits that follow), when 0 ≤ N ≤ ``maxFlakyCount``.
    static func flakyTokenCount(_ token: String) -> Int? {
        guard let range = token.range(of: "subscribe-flaky-") else { return nil }
        let digits = token[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 4, let count = Int(digits), (0...maxFlakyCount).contains(count) else {
            return nil
        }
        return count
    }

    private static func keywordPart(of recipient: String) -> Substring {
        recipient.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// What the `attempt`-th send (1-based) to one recipient under this scenario gets.
    public func resolve(attempt: Int) -> FakeGraphFailure? {
        switch behaviour {
        case .succeed: nil
        case .fail(let failure): failure
        case .failFirst(let count, let failure): attempt <= count ? failure : nil
        }
    }
}
