import Foundation
import JobQueue
import Postgres

/// The payload of a `send_message` job, `{"message_id": n}`: the one place it is written and read
/// (the send handler reads it, lease rescue reads it to settle a send abandoned on its last
/// attempt).
public struct SendJobPayload: Sendable, Hashable, Decodable {
    public var messageID: Int64

    public init(messageID: Int64) { self.messageID = messageID }

    private enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
    }

    /// The stored JSON. Written by hand: a number needs no escaping, and the send path makes
    /// thousands of these a second.
    public var json: PostgresJSON { PostgresJSON(#"{"message_id":\#(messageID)}"#) }

    private static let decoder = JSONDecoder()

    /// The payload of a send job; nil when it is not `{"message_id": n}`.
    public init?(_ payload: PostgresJSON) {
        guard let decoded = try? payload.decode(Self.self, decoder: Self.decoder) else { return nil }
        self = decoded
    }
}
