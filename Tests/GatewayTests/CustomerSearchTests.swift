import Curl
import Foundation
import Postgres
import TestSupport
import Testing

/// `GET /v1/pages/{page_id}/customers?q=`: names ignoring case and diacritics, or PSID prefixes,
/// paged like the list, over real HTTP and Postgres (`unaccent`, `pg_trgm`).
@Suite("Customer search")
struct CustomerSearchTests {
    /// (psid, first name, last name, hours since last activity).
    static let people: [(String, String?, String?, Double)] = [
        ("1001", "Nguyễn", "Văn An", 1),
        ("1002", "NGUYỄN", "THỊ BÌNH", 2),
        ("1003", "Đặng", "Minh Đức", 3),
        ("2001", "Trần", "Nguyên", 4),
        ("2002", "John", "Smith", 5),
        ("3001", nil, nil, 6),
        ("1999", "Lê", "100%_off", 7),
    ]

    /// ASCII letters and digits: everything else is percent-encoded (`.alphanumerics` would leave `ễ` raw).
    static let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    static func seed(_ connection: PostgresConnection) throws {
        let now = Date()
        for (psid, first, last, hours) in people {
            let name = [first, last].compactMap { $0 }.joined(separator: " ")
            try connection.query(
                """
                INSERT INTO customers (page_id, psid, last_active_at, first_name, last_name, name, profile_status, total_messages)
                VALUES ('p1', $1, $2, $3, $4, NULLIF($5, ''), CASE WHEN $5 = '' THEN 'pending' ELSE 'fetched' END, 1)
                """, [psid, now.addingTimeInterval(-hours * 3600), first, last, name])
        }
        try connection.query(
            "INSERT INTO customers (page_id, psid, last_active_at, name, profile_status) VALUES ('p2', '1004', now(), 'Nguyễn Khác', 'fetched')"
        )
    }

    static func search(_ gateway: TestGateway, _ q: String, extra: String = "") async throws -> (
        psids: [String], next: String?
    ) {
        let encoded = q.addingPercentEncoding(withAllowedCharacters: Self.plain)!
        let response = try await gateway.apiGet("/v1/pages/p1/customers?q=\(encoded)\(extra)")
        #expect(response.status == 200, "\(response.text)")
        let customers = try #require(response.json?["customers"] as? [[String: Any]])
        return (customers.compactMap { $0["psid"] as? String }, response.json?["next_before"] as? String)
    }

    @Test("names match ignoring case and diacritics (đ too), PSIDs by prefix; no match is an empty page")
    func matrix() async throws {
        try await TestDatabase.withSchema { schema in
            try Self.seed(try schema.connect())
            try await TestGateway.with(database: schema.configuration) { gateway in
                let cases: [(String, [String])] = [
                    ("nguyen", ["1001", "1002", "2001"]),
                    ("NGUYỄN", ["1001", "1002", "2001"]),
                    ("Nguyễn Văn", ["1001"]),
                    ("nguyen   van an", ["1001"]),
                    ("thi binh", ["1002"]),
                    ("dang", ["1003"]),
                    ("ĐỨC", ["1003"]),
                    ("duc", ["1003"]),
                    ("smith", ["2002"]),
                    ("100", ["1001", "1002", "1003"]),
                    ("1", ["1001", "1002", "1003", "1999"]),
                    ("2002", ["2002"]),
                    ("3", ["3001"]),
                    ("100%_", ["1999"]),
                    ("%", ["1999"]),
                    ("zzz", []),
                    ("4", []),
                    ("1004", []),
                ]
                for (q, expected) in cases {
                    let found = try await Self.search(gateway, q).psids
                    #expect(found == expected, "q=\(q)")
                }
                // A blank q is the plain list.
                let blank = try await Self.search(gateway, "  ").psids
                #expect(blank.count == Self.people.count)
            }
        }
    }

    @Test("results are paged like the list, and carry the profile fields")
    func paged() async throws {
        try await TestDatabase.withSchema { schema in
            try Self.seed(try schema.connect())
            try await TestGateway.with(database: schema.configuration) { gateway in
                let first = try await Self.search(gateway, "nguyen", extra: "&limit=2")
                #expect(first.psids == ["1001", "1002"])
                let cursor = try #require(first.next).addingPercentEncoding(withAllowedCharacters: Self.plain)!
                let second = try await Self.search(gateway, "nguyen", extra: "&limit=2&before=\(cursor)")
                #expect(second.psids == ["2001"])
                #expect(second.next == nil)

                let response = try await gateway.apiGet("/v1/pages/p1/customers?q=an")
                let customer = try #require((response.json?["customers"] as? [[String: Any]])?.first)
                #expect(customer["name"] as? String == "Nguyễn Văn An")
                #expect(customer["first_name"] as? String == "Nguyễn")
                #expect(customer["last_name"] as? String == "Văn An")
                #expect(customer["profile_pic"] is NSNull)
                #expect(customer["profile_status"] as? String == "fetched")
                let single = try await gateway.apiGet("/v1/pages/p1/customers/3001")
                #expect(single.json?["name"] is NSNull)
                #expect(single.json?["profile_status"] as? String == "pending")
            }
        }
    }
}
