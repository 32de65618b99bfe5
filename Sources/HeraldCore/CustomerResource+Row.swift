import Foundation
import Postgres

extension CustomerResource {
    /// What `init(row:pageID:now:)` reads, selected from `customers c`: one list for the single
    /// customer, the conversation list and the search, so they always answer the same resource.
    static let columns = """
        c.psid, c.first_active_at, c.last_active_at, c.last_message_at, c.total_messages,
        c.name, c.first_name, c.last_name, c.profile_pic, c.profile_status,
        EXISTS (SELECT 1 FROM notifications n
                WHERE n.kind = 'customer_inactive' AND n.page_id = c.page_id AND n.psid = c.psid
                  AND n.cleared_at IS NULL) AS notified,
        \(unreadColumn)
        """

    /// A customer from a row of `columns`.
    init(row: PostgresRow, pageID: String, now: Date) throws {
        let lastActiveAt = try row.decode("last_active_at", as: Date?.self)
        let profileStatus = try ProfileStatus(
            stored: try row.decode("profile_status", as: String.self), column: "customers.profile_status")
        self.init(
            pageID: pageID, psid: try row.decode("psid", as: String.self),
            firstActiveAt: try row.decode("first_active_at", as: Date?.self), lastActiveAt: lastActiveAt,
            totalMessages: try row.decode("total_messages", as: Int.self),
            inactiveOver24h: CustomerActivity.isInactiveOver24h(
                lastActiveAt: lastActiveAt, activeNotification: try row.decode("notified", as: Bool.self), now: now),
            windowClosesAt: CustomerActivity.windowClosesAt(
                lastMessageAt: try row.decode("last_message_at", as: Date?.self)),
            unread: try row.decode("unread", as: Int.self),
            profile: Profile(
                name: try row.decode("name", as: String?.self),
                firstName: try row.decode("first_name", as: String?.self),
                lastName: try row.decode("last_name", as: String?.self),
                profilePic: try row.decode("profile_pic", as: String?.self), status: profileStatus))
    }
}
