import Foundation

/// What the supporter UI shows next to a message: docs/design.md's "Display status" rule.
///
/// Only outbound messages have one. Failures and requeues always show; of the successfully sent
/// messages of a conversation only the latest shows (`sent`, or `seen` once read), so a thread
/// reads like a chat app rather than a column of ticks.
public enum DisplayStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case sending
    case sent
    case seen
    case failed
    case resend

    /// The display status of one message.
    ///
    /// - Parameters:
    ///   - direction: only outbound messages have a display status.
    ///   - status: the stored status.
    ///   - isLatestSuccessful: whether this is the conversation's latest successfully sent
    ///     outbound message (see `latestSuccessful(among:)`).
    public static func of(direction: MessageDirection, status: MessageStatus, isLatestSuccessful: Bool)
        -> DisplayStatus?
    {
        guard direction == .outbound else { return nil }
        switch status {
        case .failed: return .failed
        case .resend: return .resend
        case .queued, .sending: return .sending
        case .seen: return isLatestSuccessful ? .seen : nil
        case .sent, .delivered: return isLatestSuccessful ? .sent : nil
        case .received: return nil
        }
    }

    /// A message as far as the "latest successful" rule cares.
    public struct Candidate: Sendable, Hashable {
        public var id: Int64
        public var direction: MessageDirection
        public var status: MessageStatus
        public var sentAt: Date?

        public init(id: Int64, direction: MessageDirection, status: MessageStatus, sentAt: Date?) {
            self.id = id
            self.direction = direction
            self.status = status
            self.sentAt = sentAt
        }
    }

    /// The SQL form of "a candidate for latest successful" over messages aliased `alias`.
    static func successfulCondition(_ alias: String) -> String {
        "\(alias).direction = \(MessageDirection.outbound.sql) AND \(alias).status IN \(MessageStatus.successful.sql)"
    }

    /// The SQL `ORDER BY` that puts first the message `latestSuccessful(among:)` picks, over
    /// messages aliased `alias` (LatestSuccessfulMatrixTests checks the two agree).
    static func latestSuccessfulOrder(_ alias: String) -> String {
        "\(alias).sent_at DESC NULLS LAST, \(alias).id DESC"
    }

    /// The id of the latest successfully sent outbound message: greatest `sent_at` (a missing one
    /// counts as oldest), then greatest id. `ReadStore` runs the same ordering in SQL
    /// (`latestSuccessfulOrder`).
    public static func latestSuccessful(among messages: some Sequence<Candidate>) -> Int64? {
        messages
            .filter { $0.direction == .outbound && MessageStatus.successful.contains($0.status) }
            .max { a, b in
                let (ta, tb) = (a.sentAt ?? .distantPast, b.sentAt ?? .distantPast)
                return ta != tb ? ta < tb : a.id < b.id
            }?.id
    }
}
