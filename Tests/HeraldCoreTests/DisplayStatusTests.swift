import Foundation
import HeraldCore
import Testing

@Suite("DisplayStatus: what the supporter sees next to a message")
struct DisplayStatusTests {
    @Test(
        "outbound statuses",
        arguments: [
            ("queued", false, DisplayStatus.sending), ("sending", false, .sending), ("failed", false, .failed),
            ("resend", false, .resend), ("sent", true, .sent), ("delivered", true, .sent), ("seen", true, .seen),
            ("sent", false, nil), ("delivered", false, nil), ("seen", false, nil),
            // Failures and requeues show even if (wrongly) named latest.
            ("failed", true, .failed), ("resend", true, .resend),
        ])
    func outbound(status: String, latest: Bool, expected: DisplayStatus?) throws {
        let stored = try #require(MessageStatus(rawValue: status))
        #expect(DisplayStatus.of(direction: .outbound, status: stored, isLatestSuccessful: latest) == expected)
    }

    @Test("inbound messages never have one")
    func inbound() {
        #expect(DisplayStatus.of(direction: .inbound, status: .received, isLatestSuccessful: false) == nil)
        #expect(DisplayStatus.of(direction: .inbound, status: .received, isLatestSuccessful: true) == nil)
    }

    @Test("the latest successful message is chosen by sent_at, then id")
    func latest() {
        let t = Date(timeIntervalSince1970: 1_764_140_000)
        func m(_ id: Int64, _ status: String, _ sentAt: Date?, _ direction: String = "outbound")
            -> DisplayStatus.Candidate
        {
            candidate(id, direction, status, sentAt)
        }
        // Sent later beats a higher id; failed, queued and inbound never count.
        #expect(
            DisplayStatus.latestSuccessful(among: [
                m(1, "sent", t.addingTimeInterval(10)), m(2, "delivered", t), m(3, "failed", nil), m(4, "queued", nil),
                m(5, "received", t.addingTimeInterval(20), "inbound"),
            ]) == 1)
        // Same sent_at: the higher id.
        #expect(DisplayStatus.latestSuccessful(among: [m(7, "seen", t), m(8, "sent", t), m(6, "sent", t)]) == 8)
        // A missing sent_at counts as oldest.
        #expect(DisplayStatus.latestSuccessful(among: [m(9, "sent", nil), m(3, "sent", t)]) == 3)
        #expect(DisplayStatus.latestSuccessful(among: [m(1, "failed", t), m(2, "resend", t)]) == nil)
        #expect(DisplayStatus.latestSuccessful(among: []) == nil)
    }

    @Test("a conversation: only the latest successful message shows a status")
    func conversation() {
        let t = Date(timeIntervalSince1970: 1_764_140_000)
        let messages: [DisplayStatus.Candidate] = [
            candidate(1, "inbound", "received", nil),
            candidate(2, "outbound", "seen", t),
            candidate(3, "outbound", "delivered", t.addingTimeInterval(1)),
            candidate(4, "outbound", "seen", t.addingTimeInterval(2)),
            candidate(5, "outbound", "failed", nil),
            candidate(6, "outbound", "queued", nil),
        ]
        let latest = DisplayStatus.latestSuccessful(among: messages)
        let shown = messages.map {
            DisplayStatus.of(direction: $0.direction, status: $0.status, isLatestSuccessful: $0.id == latest)
        }
        #expect(shown == [nil, nil, nil, .seen, .failed, .sending])
    }
}

/// A candidate from database strings (these tests keep the stored spellings).
private func candidate(_ id: Int64, _ direction: String, _ status: String, _ sentAt: Date?) -> DisplayStatus.Candidate {
    .init(
        id: id, direction: MessageDirection(rawValue: direction)!, status: MessageStatus(rawValue: status)!,
        sentAt: sentAt)
}

extension DisplayStatusTests {
    /// The other read-side rules the API reports next to display status.
    @Suite("CustomerActivity and RFC3339: the 24-hour rules and API times")
    struct ActivityAndTimes {
        let t = Date(timeIntervalSince1970: 1_764_140_410.123)

        @Test("the window closes 24 h after the latest message or postback")
        func window() {
            #expect(CustomerActivity.windowClosesAt(lastMessageAt: t) == t.addingTimeInterval(86_400))
            #expect(CustomerActivity.windowClosesAt(lastMessageAt: nil) == nil)
        }

        @Test("inactive over 24 h: an active notification, or the moment has passed")
        func inactive() {
            #expect(CustomerActivity.isInactiveOver24h(lastActiveAt: t, activeNotification: true, now: t))
            #expect(
                !CustomerActivity.isInactiveOver24h(
                    lastActiveAt: t, activeNotification: false, now: t.addingTimeInterval(86_399)))
            #expect(
                CustomerActivity.isInactiveOver24h(
                    lastActiveAt: t, activeNotification: false, now: t.addingTimeInterval(86_400)))
            #expect(!CustomerActivity.isInactiveOver24h(lastActiveAt: nil, activeNotification: false, now: t))
        }

        @Test("times are RFC 3339 UTC with milliseconds")
        func rfc3339() {
            #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_764_140_410.123)) == "2025-11-26T07:00:10.123Z")
            #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_764_140_410)) == "2025-11-26T07:00:10.000Z")
            // Microseconds are truncated, never rounded up into the next millisecond.
            #expect(
                RFC3339.string(from: Date(timeIntervalSince1970: 1_764_140_410.123999)) == "2025-11-26T07:00:10.123Z")
            #expect(RFC3339.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
            #expect(
                RFC3339.date(from: "2025-11-26T07:00:10.123Z").map(RFC3339.string(from:)) == "2025-11-26T07:00:10.123Z")
        }
    }
}
