/// Where a stored webhook is (`webhook_events.state`): `pending` until a worker applies it,
/// then `processed`, or `parked` when it could not be applied (not JSON, not a page webhook, or
/// failing `HERALD_MAX_ATTEMPTS` times). Parked events are the dead letters an admin reads and
/// retries through `/admin/webhook-events`.
public enum WebhookEventState: String, Sendable, Hashable, CaseIterable, Codable {
    case pending
    case processed
    case parked

    /// The state as a SQL string literal, e.g. `'pending'`.
    public var sql: String { "'\(rawValue)'" }

    /// The values, as the API and its error messages spell them.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}
