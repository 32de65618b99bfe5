extension FakeGraphScenario {
    /// The rows for the User Profile API (`GET /{version}/{psid}`), first match wins: the token
    /// rows of ``table`` (Graph checks the token first), then the PSID, matched like a send's
    /// recipient (the keyword, or the keyword, `:` and any suffix):
    ///
    /// | PSID                 | scenario           | answer                                          |
    /// | -------------------- | ------------------ | ----------------------------------------------- |
    /// | `profile-denied`     | profile-denied     | profile-permission-denied (HTTP 403, code 200)  |
    /// | `no-profile`         | no-profile         | profile-not-found (100/33, GraphMethodException)|
    /// | `rate-limited`       | rate-limited       | rate-limited (613) + usage header               |
    /// | `user-request-limit` | user-request-limit | user-request-limit (17/2446079)                 |
    /// | `temporary`          | temporary          | temporary (2, transient), HTTP 500              |
    /// | `http-500`           | http-500           | HTTP 500, HTML body                             |
    /// | `flaky-N`            | flaky-N            | first N calls for that PSID: temporary; then ok |
    /// | anything else        | ok                 | 200 with the scripted profile, or a default one |
    ///
    /// A PSID `no-picture` (or `no-picture:…`) answers a profile without `profile_pic`, as Graph
    /// does for some people.
    public static let profileTable: [Rule] =
        tokenRows + [
            Rule(
                name: "profile-denied", triggers: [.recipient("profile-denied")],
                behaviour: .fail(.profilePermissionDenied)),
            Rule(name: "no-profile", triggers: [.recipient("no-profile")], behaviour: .fail(.profileNotFound)),
            Rule(name: "rate-limited", triggers: [.recipient("rate-limited")], behaviour: .fail(.rateLimited)),
            Rule(
                name: "user-request-limit", triggers: [.recipient("user-request-limit")],
                behaviour: .fail(.userRequestLimit)),
            Rule(name: "temporary", triggers: [.recipient("temporary")], behaviour: .fail(.temporary)),
            Rule(name: "http-500", triggers: [.recipient("http-500")], behaviour: .fail(.http500)),
            Rule(name: "flaky-N", triggers: [.flakyRecipient], behaviour: .failFirst(count: 0, failure: .temporary)),
        ]

    private static let tokenRows = table.filter { $0.triggers.allSatisfy(\.isTokenTrigger) }

    /// The scenario for a profile call (``profileTable``).
    public static func forProfile(accessToken: String?, psid: String) -> FakeGraphScenario {
        choose(Input(accessToken: accessToken, recipient: psid), rows: profileTable)
    }
}
