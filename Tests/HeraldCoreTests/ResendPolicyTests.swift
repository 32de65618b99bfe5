import Foundation
import HeraldCore
import Messenger
import Testing

@Suite("ResendPolicy: docs/design.md's resend rules per failure reason")
struct ResendPolicyTests {
    static let failedAt = Date(timeIntervalSince1970: 1_764_140_000)
    static let now = failedAt.addingTimeInterval(3600)

    /// Every condition a resend could wait for is met.
    static let everythingMet = ResendPolicy.Context(
        failedAt: failedAt, now: now, customerLastMessageAt: failedAt.addingTimeInterval(60), pageTokenValid: true,
        pageReconnectedAt: failedAt.addingTimeInterval(120), blockedURLsReleased: true)

    /// None is: the customer has not written since, the page is still expired, the URL still blocked.
    static let nothingMet = ResendPolicy.Context(
        failedAt: failedAt, now: now, customerLastMessageAt: failedAt.addingTimeInterval(-60), pageTokenValid: false,
        pageReconnectedAt: nil, blockedURLsReleased: false)

    /// (reason, decision when nothing is met, decision when everything is met): the table itself.
    static let table: [(FailureReason, ResendPolicy.Condition?, Bool)] = [
        (.invalidFormat, .never, false),
        (.fileTooLarge, .never, false),
        (.urlBlacklisted, .urlReleased, true),
        (.outsideWindow, .customerActive, true),
        (.tokenExpired, .pageReconnected, true),
        (.recipientUnavailable, .customerActive, true),
        (.rateLimited, nil, true),
        (.graphUnavailable, nil, true),
        (.unknown, nil, true),
    ]

    @Test("the table covers every reason")
    func coversEveryReason() {
        #expect(Set(Self.table.map(\.0)) == Set(FailureReason.allCases))
    }

    @Test(
        "raw values are the API's spelling",
        arguments: [
            (FailureReason.invalidFormat, "invalid_format"), (.fileTooLarge, "file_too_large"),
            (.urlBlacklisted, "url_blacklisted"), (.outsideWindow, "outside_window"), (.tokenExpired, "token_expired"),
            (.recipientUnavailable, "recipient_unavailable"), (.rateLimited, "rate_limited"),
            (.graphUnavailable, "graph_unavailable"), (.unknown, "unknown"),
        ])
    func rawValues(reason: FailureReason, raw: String) {
        #expect(reason.rawValue == raw)
        #expect(FailureReason(stored: raw) == reason)
    }

    @Test("an unrecognised stored reason reads as unknown")
    func unrecognised() {
        #expect(FailureReason(stored: "martian") == .unknown)
    }

    @Test("with no condition met", arguments: table)
    func nothingMet(reason: FailureReason, missing: ResendPolicy.Condition?, _: Bool) {
        let decision = ResendPolicy.decide(reason, Self.nothingMet)
        #expect(decision.resendable == (missing == nil))
        #expect(decision.resendWhen == missing)
    }

    @Test("with every condition met", arguments: table)
    func everythingMet(reason: FailureReason, _: ResendPolicy.Condition?, resendable: Bool) {
        let decision = ResendPolicy.decide(reason, Self.everythingMet)
        #expect(decision.resendable == resendable)
        #expect(decision.resendWhen == (resendable ? nil : .never))
    }

    @Test(
        "the window must be reopened after the failure and still be open",
        arguments: [FailureReason.outsideWindow, .recipientUnavailable])
    func customerActive(reason: FailureReason) {
        func decide(lastMessage: Date?, now: Date = Self.now) -> ResendPolicy.Decision {
            ResendPolicy.decide(reason, .init(failedAt: Self.failedAt, now: now, customerLastMessageAt: lastMessage))
        }
        #expect(decide(lastMessage: nil) == .blocked(until: .customerActive))
        #expect(decide(lastMessage: Self.failedAt) == .blocked(until: .customerActive))
        #expect(decide(lastMessage: Self.failedAt.addingTimeInterval(1)) == .now)
        // Wrote after the failure, but that window has closed again.
        let wrote = Self.failedAt.addingTimeInterval(1)
        #expect(decide(lastMessage: wrote, now: wrote.addingTimeInterval(24 * 3600 - 1)) == .now)
        #expect(
            decide(lastMessage: wrote, now: wrote.addingTimeInterval(24 * 3600)) == .blocked(until: .customerActive))
    }

    @Test("the page must be valid and connected again after the failure")
    func pageReconnected() {
        func decide(valid: Bool, reconnected: Date?) -> ResendPolicy.Decision {
            ResendPolicy.decide(
                .tokenExpired,
                .init(failedAt: Self.failedAt, now: Self.now, pageTokenValid: valid, pageReconnectedAt: reconnected))
        }
        let after = Self.failedAt.addingTimeInterval(5)
        #expect(decide(valid: true, reconnected: after) == .now)
        #expect(decide(valid: false, reconnected: after) == .blocked(until: .pageReconnected))
        #expect(decide(valid: true, reconnected: nil) == .blocked(until: .pageReconnected))
        #expect(
            decide(valid: true, reconnected: Self.failedAt.addingTimeInterval(-5)) == .blocked(until: .pageReconnected))
    }

    @Test("conditions of other reasons do not matter")
    func otherConditionsIgnored() {
        // A released URL does not help a token_expired message, a reconnect does not help url_blacklisted.
        var context = Self.nothingMet
        context.blockedURLsReleased = true
        #expect(ResendPolicy.decide(.tokenExpired, context) == .blocked(until: .pageReconnected))
        context = Self.nothingMet
        context.pageTokenValid = true
        context.pageReconnectedAt = Self.now
        #expect(ResendPolicy.decide(.urlBlacklisted, context) == .blocked(until: .urlReleased))
    }

    @Test("condition raw values are resend_when's spelling")
    func conditionSpelling() {
        #expect(
            ResendPolicy.Condition.allCases.map(\.rawValue).sorted()
                == ["customer_active", "never", "page_reconnected", "url_released"])
    }
}
