import Curl
import Messenger

/// Outbound URL safety: a URL a supporter types must not make Herald reach an address that is not
/// publicly reachable (loopback, private, link-local, ...; `AddressPolicy`), unless
/// `HERALD_ALLOW_PRIVATE_URLS=true`. The gateway refuses URL fields whose host is such an address
/// literal when the message is posted; the send worker checks the same before sending, and its
/// size check connects only to addresses the policy allows (docs/design.md, "A send, end to end").
/// Either way the message fails `invalid_format` with `FormatViolation.notPubliclyReachableDetail`.
extension FormatViolation.Rule {
    /// A URL whose host is, or resolves to, an address that is not publicly reachable.
    public static let notPubliclyReachable = FormatViolation.Rule(rawValue: "not_publicly_reachable")
}

extension FormatViolation {
    /// The failure detail of a message refused for such a URL.
    public static let notPubliclyReachableDetail = "URL is not publicly reachable"

    /// `invalid_format` for the URL in `field`.
    public static func notPubliclyReachable(field: String) -> FormatViolation {
        FormatViolation(rule: .notPubliclyReachable, field: field, detail: notPubliclyReachableDetail)
    }
}

extension OutboundContent {
    /// The first URL field (`urlFields`) whose host is an address literal `policy` refuses, in any
    /// spelling (`http://2130706433/` is 127.0.0.1); nil when there is none. Host names pass: where
    /// they lead is only known when a connection is made, and checked then.
    public func addressViolation(_ policy: AddressPolicy) -> FormatViolation? {
        guard let refused = urlFields.first(where: { policy.refusesLiteralHost(of: $0.url) }) else { return nil }
        return .notPubliclyReachable(field: refused.field)
    }
}
