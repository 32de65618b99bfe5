import Foundation
import Messenger

/// docs/design.md's resend rules: whether a failed message may be resent now, and if not, what would
/// allow it.
///
/// Pure: the caller gathers the facts (`Context`) and this decides, so the HTTP read model and
/// `POST /v1/messages/{id}/resend` answer the same way.
public enum ResendPolicy {
    /// The condition still missing before a resend is allowed (`resend_when` in the API).
    public enum Condition: String, Sendable, Hashable, CaseIterable, Codable {
        /// Every URL blocked for the message must be released.
        case urlReleased = "url_released"
        /// The customer must open the window again (a message or postback after the failure).
        case customerActive = "customer_active"
        /// The page must be connected again after the failure.
        case pageReconnected = "page_reconnected"
        /// Never: the message cannot be sent as it is; a new one is needed.
        case never = "never"
    }

    /// The answer: `resendable`, and `resendWhen` naming the missing condition (nil when resendable).
    public struct Decision: Sendable, Hashable {
        public var resendable: Bool
        public var resendWhen: Condition?

        public static let now = Decision(resendable: true, resendWhen: nil)
        public static func blocked(until condition: Condition) -> Decision {
            Decision(resendable: false, resendWhen: condition)
        }
    }

    /// The facts the rules look at.
    public struct Context: Sendable, Hashable {
        /// When the message failed (`messages.failed_at`).
        public var failedAt: Date?
        /// The current time, from the injected clock.
        public var now: Date
        /// The customer's latest `message` or `postback` (`customers.last_message_at`).
        public var customerLastMessageAt: Date?
        /// Whether the page is connected with a token not known to be expired.
        public var pageTokenValid: Bool
        /// When the page was last connected or reconnected, if ever.
        public var pageReconnectedAt: Date?
        /// Whether every URL blocked for this message is released (true when none is recorded).
        public var blockedURLsReleased: Bool

        public init(
            failedAt: Date?, now: Date, customerLastMessageAt: Date? = nil, pageTokenValid: Bool = false,
            pageReconnectedAt: Date? = nil, blockedURLsReleased: Bool = true
        ) {
            self.failedAt = failedAt
            self.now = now
            self.customerLastMessageAt = customerLastMessageAt
            self.pageTokenValid = pageTokenValid
            self.pageReconnectedAt = pageReconnectedAt
            self.blockedURLsReleased = blockedURLsReleased
        }
    }

    /// The 24-hour messaging window.
    public static let window: TimeInterval = CustomerActivity.day

    /// Decides for a message that failed with `reason`.
    public static func decide(_ reason: FailureReason, _ context: Context) -> Decision {
        switch reason {
        case .invalidFormat, .fileTooLarge:
            return .blocked(until: .never)
        case .urlBlacklisted:
            return context.blockedURLsReleased ? .now : .blocked(until: .urlReleased)
        case .outsideWindow, .recipientUnavailable:
            return customerWroteAgain(context) ? .now : .blocked(until: .customerActive)
        case .tokenExpired:
            return pageReconnected(context) ? .now : .blocked(until: .pageReconnected)
        case .rateLimited, .graphUnavailable, .unknown:
            return .now
        }
    }

    /// The customer wrote after the failure and that window is still open; a message written
    /// before the failure, or a window that has closed again, would only fail the same way.
    static func customerWroteAgain(_ context: Context) -> Bool {
        guard let last = context.customerLastMessageAt else { return false }
        if let failedAt = context.failedAt, last <= failedAt { return false }
        return context.now < last.addingTimeInterval(window)
    }

    /// The page's token is valid and was (re)connected after the failure.
    static func pageReconnected(_ context: Context) -> Bool {
        guard context.pageTokenValid, let connected = context.pageReconnectedAt else { return false }
        guard let failedAt = context.failedAt else { return true }
        return connected > failedAt
    }
}
