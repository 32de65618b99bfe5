import Foundation

/// A supporter account as `/admin/supporters` answers it; never its token or the token's hash.
public struct SupporterResource: Sendable, Hashable, Encodable {
    public var id: Int64
    public var name: String
    public var email: String?
    public var createdAt: Date
    /// When the token was last replaced (`POST /admin/supporters/{id}/token`); nil if never.
    public var tokenRotatedAt: Date?
    /// When the supporter's token was last used, to within a minute.
    public var lastActiveAt: Date?
    /// When an admin revoked the account; its token opens nothing since.
    public var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, email
        case createdAt = "created_at"
        case tokenRotatedAt = "token_rotated_at"
        case lastActiveAt = "last_active_at"
        case revokedAt = "revoked_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encodeOrNull(email, forKey: .email)
        try container.encodeTime(createdAt, forKey: .createdAt)
        try container.encodeTime(tokenRotatedAt, forKey: .tokenRotatedAt)
        try container.encodeTime(lastActiveAt, forKey: .lastActiveAt)
        try container.encodeTime(revokedAt, forKey: .revokedAt)
    }
}

/// A supporter with the token just issued: the answer of create and rotate, the only time the
/// token is ever shown.
public struct IssuedSupporterToken: Sendable, Encodable {
    public var supporter: SupporterResource
    public var token: SupporterToken

    enum CodingKeys: String, CodingKey {
        case token
    }

    public func encode(to encoder: any Encoder) throws {
        try supporter.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token.text, forKey: .token)
    }
}

/// A new supporter's fields, checked: `name` trimmed, 1 to 100 characters; `email` optional,
/// trimmed, at most 254 characters with an `@`.
public struct NewSupporter: Sendable, Hashable {
    public static let maxNameLength = 100
    public static let maxEmailLength = 254

    /// The field that is wrong and why, for a 422 naming it.
    public struct Invalid: Error, Sendable, Hashable {
        public var field: String
        public var message: String
    }

    public let name: String
    public let email: String?

    public init(name: String?, email: String?) throws(Invalid) {
        let name = (name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw Invalid(field: "name", message: "name is required and must not be blank") }
        guard name.count <= Self.maxNameLength else {
            throw Invalid(field: "name", message: "name must be at most \(Self.maxNameLength) characters")
        }
        self.name = name
        guard let email else {
            self.email = nil
            return
        }
        let trimmed = email.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.contains("@"), trimmed.count <= Self.maxEmailLength else {
            throw Invalid(
                field: "email", message: "email must be an address with an @, at most \(Self.maxEmailLength) characters"
            )
        }
        self.email = trimmed
    }
}
