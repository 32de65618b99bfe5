/// `customers.profile_status`: where a customer's profile (name, picture) stands.
public enum ProfileStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Not fetched yet (or the page was not connected, or its token expired): the PSID is shown.
    case pending
    /// Graph answered with a profile (`profile_fetched_at` says when).
    case fetched
    /// Graph refused it (no permission, the person is gone); `profile_error` keeps why.
    case unavailable

    /// The status as a SQL string literal, e.g. `'fetched'`.
    public var sql: String { "'\(rawValue)'" }
}
