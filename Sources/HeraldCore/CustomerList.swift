import Foundation
import Postgres

/// A page of a page's customers, most recently active first, and the cursor for the next page.
public struct CustomerPage: Sendable, Hashable, Encodable {
    public var customers: [CustomerResource]
    /// Pass as `before` for the next (less recently active) customers; nil when there are none.
    public var nextBefore: String?

    enum CodingKeys: String, CodingKey {
        case customers
        case nextBefore = "next_before"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(customers, forKey: .customers)
        try container.encodeOrNull(nextBefore, forKey: .nextBefore)
    }
}

/// Where a customer list continues: after the customer last active at `lastActiveAt` (µs since
/// the epoch, nil when never active) with `psid`. Written `"<µs>:<psid>"` (or `"-:<psid>"`), an
/// opaque string to clients.
public struct CustomerCursor: Sendable, Hashable {
    public var lastActiveMicroseconds: Int64?
    public var psid: String

    public init(lastActiveMicroseconds: Int64?, psid: String) {
        self.lastActiveMicroseconds = lastActiveMicroseconds
        self.psid = psid
    }

    /// Nil when `text` is not a cursor this API handed out.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let time = text[..<colon]
        let psid = String(text[text.index(after: colon)...])
        guard !psid.isEmpty else { return nil }
        if time == "-" {
            lastActiveMicroseconds = nil
        } else {
            guard let value = Int64(time) else { return nil }
            lastActiveMicroseconds = value
        }
        self.psid = psid
    }

    public var text: String { "\(lastActiveMicroseconds.map(String.init) ?? "-"):\(psid)" }
}

extension ReadStore {
    /// The customers of a page, most recently active first (never-active ones last), `limit` at
    /// most, after `before`; with a `search`, only those it matches (`CustomerSearch`). Uses the
    /// `customers_recent` index, or for a search whichever of it, `customers_name_search` and the
    /// primary key (PSID prefixes) the planner finds cheaper.
    public func customers(
        pageID: String, limit: Int, before: CustomerCursor?, search: CustomerSearch? = nil, now: Date,
        on connection: PostgresConnection
    ) throws -> CustomerPage {
        let (sql, parameters) = Self.customerListQuery(pageID: pageID, limit: limit, before: before, search: search)
        let rows = try connection.query(sql, parameters)
        let customers = try rows.prefix(limit).map { try CustomerResource(row: $0, pageID: pageID, now: now) }
        let next =
            rows.count > limit
            ? customers.last.map {
                CustomerCursor(
                    lastActiveMicroseconds: $0.lastActiveAt.map {
                        Int64(($0.timeIntervalSince1970 * 1_000_000).rounded())
                    },
                    psid: $0.psid
                ).text
            } : nil
        return CustomerPage(customers: Array(customers), nextBefore: next ?? nil)
    }

    /// `EXPLAIN` of the first page of a search, as the API runs it: the proof (a test, the
    /// benchmark) that it is answered from an index.
    public func explainCustomers(
        pageID: String, search: CustomerSearch, limit: Int = 50, on connection: PostgresConnection
    )
        throws -> String
    {
        let (sql, parameters) = Self.customerListQuery(pageID: pageID, limit: limit, before: nil, search: search)
        return try connection.query("EXPLAIN " + sql, parameters).map { try $0.decode(0, as: String.self) }
            .joined(separator: "\n")
    }

    private static func customerListQuery(pageID: String, limit: Int, before: CustomerCursor?, search: CustomerSearch?)
        -> (String, [any PostgresEncodable])
    {
        let afterTime = before?.lastActiveMicroseconds.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
        let filter = search?.condition(first: 5)
        let sql = """
            SELECT \(CustomerResource.columns)
            FROM customers c
            WHERE c.page_id = $1
              AND ($2::text IS NULL
                   OR ($3::timestamptz IS NOT NULL AND (c.last_active_at < $3 OR (c.last_active_at = $3 AND c.psid > $2)
                                                        OR c.last_active_at IS NULL))
                   OR ($3::timestamptz IS NULL AND c.last_active_at IS NULL AND c.psid > $2))
              \(filter.map { "AND " + $0.sql } ?? "")
            ORDER BY c.last_active_at DESC NULLS LAST, c.psid
            LIMIT $4
            """
        let parameters: [any PostgresEncodable] = [pageID, before?.psid, afterTime, limit + 1]
        return (sql, parameters + (filter?.parameters ?? []).map { $0 as any PostgresEncodable })
    }
}
