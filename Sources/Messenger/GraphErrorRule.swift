/// One row of docs/messenger.md's Send API error table: which Graph `code` and `error_subcode` it covers
/// and how Herald treats them. Matching is by numbers only, never by message text (other products
/// missed code-190 cases that way).
public struct GraphErrorRule: Sendable, Hashable {
    /// Which subcodes a rule covers.
    public enum Subcodes: Sendable, Hashable {
        /// Any subcode, or none.
        case any
        /// One of these; a missing subcode does not match.
        case oneOf(Set<Int>)
        /// No subcode, or one of these.
        case noneOrOneOf(Set<Int>)
        /// Any subcode (or none) except these.
        case anyExcept(Set<Int>)

        public func matches(_ subcode: Int?) -> Bool {
            switch self {
            case .any: true
            case .oneOf(let set): subcode.map(set.contains) ?? false
            case .noneOrOneOf(let set): subcode.map(set.contains) ?? true
            case .anyExcept(let set): !(subcode.map(set.contains) ?? false)
            }
        }
    }

    public let codes: Set<Int>
    public let subcodes: Subcodes
    public let reason: GraphFailureKind
    public let isTransient: Bool
    public let maxRetries: Int?
    /// The row's meaning, as in the table.
    public let meaning: String

    public init(
        codes: Set<Int>, subcodes: Subcodes = .any, reason: GraphFailureKind, isTransient: Bool = false,
        maxRetries: Int? = nil, meaning: String
    ) {
        self.codes = codes
        self.subcodes = subcodes
        self.reason = reason
        self.isTransient = isTransient
        self.maxRetries = maxRetries
        self.meaning = meaning
    }

    public func matches(code: Int, subcode: Int?) -> Bool {
        codes.contains(code) && subcodes.matches(subcode)
    }

    /// The retry cap for Graph's "unknown / temporary" errors (codes 1, 2, 1200): a few tries, since
    /// these sometimes persist for one message.
    public static let temporaryErrorRetries = 3

    /// docs/messenger.md's table, in its order except that narrower rows come first where rows share a
    /// code. The first match wins. A Graph error no rule matches is `unknown` with its code kept,
    /// unless Graph marked it `is_transient` or answered 5xx (then `graph_unavailable`, transient).
    public static let table: [GraphErrorRule] = [
        GraphErrorRule(
            codes: [10], subcodes: .oneOf([2_018_278, 2_534_022, 2_018_065]), reason: .outsideWindow,
            meaning: "sent outside the allowed window"),
        GraphErrorRule(
            codes: [190], reason: .tokenExpired, meaning: "invalid or expired access token"),
        GraphErrorRule(
            codes: [102], reason: .tokenExpired, meaning: "session expired or invalid"),
        GraphErrorRule(
            codes: [368], subcodes: .noneOrOneOf([1_346_003]), reason: .urlBlacklisted,
            meaning: "content reported as abusive / blocked"),
        GraphErrorRule(
            codes: [100], subcodes: .oneOf([2_018_109]), reason: .fileTooLarge,
            meaning: "attachment size exceeds the limit"),
        GraphErrorRule(
            codes: [100], subcodes: .oneOf([2_018_294]), reason: .fileTooLarge,
            meaning: "video fetch timed out or corrupted"),
        GraphErrorRule(
            codes: [100], subcodes: .noneOrOneOf([2_018_047, 2_018_074, 2_018_014]), reason: .invalidFormat,
            meaning: "invalid parameter, type mismatch, bad attachment id"),
        GraphErrorRule(
            codes: [100], subcodes: .oneOf([2_018_008]), reason: .unknown, isTransient: true, maxRetries: 1,
            meaning: "could not fetch the file from the URL"),
        GraphErrorRule(
            codes: [100], subcodes: .oneOf([2_018_001]), reason: .recipientUnavailable,
            meaning: "no matching user"),
        GraphErrorRule(
            codes: [551], reason: .recipientUnavailable, meaning: "person isn't receiving messages from you"),
        GraphErrorRule(
            codes: [200], subcodes: .oneOf([1_545_041]), reason: .recipientUnavailable,
            meaning: "person isn't available right now"),
        GraphErrorRule(
            codes: [10], subcodes: .oneOf([2_018_108]), reason: .recipientUnavailable,
            meaning: "they can't receive your messages right now"),
        GraphErrorRule(
            codes: [4, 17, 32, 80_006], reason: .rateLimited, isTransient: true, meaning: "rate limited"),
        // 613/2018338 is not throttling: it falls through to `unknown`.
        GraphErrorRule(
            codes: [613], subcodes: .anyExcept([2_018_338]), reason: .rateLimited, isTransient: true,
            meaning: "rate limited"),
        GraphErrorRule(
            codes: [1, 2, 1200], reason: .graphUnavailable, isTransient: true, maxRetries: temporaryErrorRetries,
            meaning: "unknown / temporary"),
        GraphErrorRule(
            codes: [10], subcodes: .oneOf([1_893_063]), reason: .unknown,
            meaning: "page temporarily restricted"),
        GraphErrorRule(
            codes: [2_018_300], reason: .unknown, meaning: "another app controls the thread"),
    ]

    /// The first rule of `table` that covers `code` and `subcode`.
    public static func rule(code: Int, subcode: Int?) -> GraphErrorRule? {
        table.first { $0.matches(code: code, subcode: subcode) }
    }
}
