import Curl
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("GET /v1/pages/{page_id}/customers")
struct CustomerListTests {
    @Test("customers come most recently active first, paged by next_before to the end, with the inactivity badge")
    func paged() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let now = Date()
            // Two share one activity time: the psid breaks the tie, so paging neither repeats nor skips.
            for (psid, hoursAgo) in [("a", 1.0), ("b", 30.0), ("c", 2.0), ("d", 2.0), ("e", 0.5)] {
                let at = now.addingTimeInterval(-hoursAgo * 3600)
                try connection.query(
                    """
                    INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
                    VALUES ('p1', $1, $2, $2, $2, 3)
                    """, [psid, at])
            }
            try connection.query(
                "INSERT INTO customers (page_id, psid, last_active_at, total_messages) VALUES ('p2', 'other', now(), 1)"
            )
            try await TestGateway.with(database: schema.configuration) { gateway in
                var psids: [String] = []
                var inactive: [String] = []
                var cursor: String?
                for _ in 0..<5 {
                    let query =
                        "?limit=2"
                        + (cursor.map { "&before=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                            ?? "")
                    let response = try await gateway.apiGet("/v1/pages/p1/customers\(query)")
                    #expect(response.status == 200, "\(response.text)")
                    let customers = try #require(response.json?["customers"] as? [[String: Any]])
                    psids += customers.compactMap { $0["psid"] as? String }
                    inactive += customers.filter { $0["inactive_over_24h"] as? Bool == true }.compactMap {
                        $0["psid"] as? String
                    }
                    #expect(
                        customers.allSatisfy { $0["page_id"] as? String == "p1" && $0["total_messages"] as? Int == 3 })
                    cursor = response.json?["next_before"] as? String
                    if cursor == nil { break }
                }
                #expect(psids == ["e", "a", "c", "d", "b"])
                #expect(inactive == ["b"])

                let bad = try await gateway.apiGet("/v1/pages/p1/customers?before=nonsense")
                #expect(bad.status == 400)
                #expect(bad.errorCode == "invalid_parameter")
                let tooMany = try await gateway.apiGet("/v1/pages/p1/customers?limit=500")
                #expect(tooMany.status == 400)
                let none = try await gateway.apiGet("/v1/pages/nobody/customers")
                #expect(none.status == 200)
                #expect((none.json?["customers"] as? [Any])?.isEmpty == true)
                #expect(none.json?["next_before"] is NSNull)
            }
        }
    }
}
