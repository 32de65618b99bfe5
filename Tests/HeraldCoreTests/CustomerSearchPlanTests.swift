import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// The search's plan at scale: with many customers (60,000 here; with 20,000 a sequential scan is
/// still cheaper) and a rare name, Postgres answers from the trigram index `customers_name_search`
/// (and a PSID prefix from the primary key), not a scan.
@Suite("Customer search plans")
struct CustomerSearchPlanTests {
    static func plan(_ connection: PostgresConnection, _ q: String) throws -> String {
        let search = try #require(CustomerSearch(q))
        return try ReadStore().explainCustomers(pageID: "p1", search: search, on: connection)
    }

    @Test("a name search uses customers_name_search; a PSID prefix uses the primary key")
    func usesIndexes() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestDatabase.offPool {
                let connection = try schema.connect()
                try connection.query(
                    """
                    INSERT INTO customers (page_id, psid, last_active_at, name, profile_status)
                    SELECT 'p1', (100000000 + i)::text, now() - i * interval '1 second',
                           (ARRAY['Nguyễn', 'Trần', 'Lê', 'Phạm'])[1 + i % 4] || ' Văn ' || md5(i::text), 'fetched'
                    FROM generate_series(1, 60000) AS i
                    """)
                try connection.query("ANALYZE customers")
                let name = try Self.plan(connection, "Văn c4ca4238")
                #expect(name.contains("customers_name_search"), "\(name)")
                let psid = try Self.plan(connection, "10001234")
                #expect(psid.contains("customers_pkey"), "\(psid)")
            }
        }
    }
}
