import Foundation
import Postgres

/// Who created or requeued an outbound message, as stored: `messages.sent_by` /
/// `sent_by_supporter_id` at creation, `resent_by` / `resent_by_supporter_id` at every requeue.
public enum MessageActor: Sendable, Hashable {
    /// A supporter account, by its `supporters.id`.
    case supporter(id: Int64)
    /// The service token (`HERALD_API_TOKEN`): an integration.
    case api
    /// Herald itself: a reconnect, a URL release or probe, an auto-resend after the customer wrote.
    case system

    /// The stored kind (`messages.sent_by` / `resent_by`): the closed set of sql/0010's CHECKs.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case supporter
        case api
        case system

        /// The kind as a SQL string literal.
        public var sql: String { "'\(rawValue)'" }
    }

    public var kind: Kind {
        switch self {
        case .supporter: .supporter
        case .api: .api
        case .system: .system
        }
    }

    /// The supporter's id, for the `*_supporter_id` column; nil for the other kinds.
    public var supporterID: Int64? {
        if case .supporter(let id) = self { id } else { nil }
    }
}

/// Who created or resent a message, as the API shows it (`sent_by`, `resent_by`): a supporter
/// with the name the supporters table has now (a revoked supporter keeps theirs), the service
/// token, or Herald itself.
public enum MessageAttribution: Sendable, Hashable, Encodable {
    case supporter(id: Int64, name: String)
    case api
    case system

    enum CodingKeys: String, CodingKey {
        case type, id, name
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .supporter(let id, let name):
            try container.encode(MessageActor.Kind.supporter.rawValue, forKey: .type)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
        case .api:
            try container.encode(MessageActor.Kind.api.rawValue, forKey: .type)
        case .system:
            try container.encode(MessageActor.Kind.system.rawValue, forKey: .type)
        }
    }

    /// From the stored kind, supporter id and the joined supporter's name; nil when no kind is stored.
    static func stored(kind: String?, supporterID: Int64?, name: String?, column: String) throws -> MessageAttribution?
    {
        guard let kind else { return nil }
        switch MessageActor.Kind(rawValue: kind) {
        case .supporter:
            guard let supporterID, let name else { throw UnexpectedStoredValue(column: column, value: kind) }
            return .supporter(id: supporterID, name: name)
        case .api: return .api
        case .system: return .system
        case nil: throw UnexpectedStoredValue(column: column, value: kind)
        }
    }
}
