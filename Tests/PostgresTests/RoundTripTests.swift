import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Parameters and row decoding against the real server", .onTestThreads)
struct RoundTripTests {
    @Test("NULL, unicode, bytea, int8, bool, float8 and jsonb round-trip")
    func scalarRoundTrips() throws {
        let connection = try PostgresConnection(configuration: TestDatabase.configuration())
        let bytes: [UInt8] = [0, 1, 2, 0xff, 0, 0x7f]
        let rows = try connection.query(
            "SELECT $1::text, $2::text, $3::bytea, $4::int8, $5::bool, $6::float8, $7::jsonb, $8::bytea",
            [
                String?.none, "héllo 🌍 ☃ \u{0}x".replacingOccurrences(of: "\u{0}", with: ""), bytes, Int.min, true, 2.5,
                PostgresJSON(#"{"a": [1, "ü"]}"#), [UInt8](),
            ])
        let row = try #require(rows.first)
        #expect(try row.decode(0, as: String?.self) == nil)
        #expect(row.isNull(0))
        #expect(try row.decode(1, as: String.self) == "héllo 🌍 ☃ x")
        #expect(try row.decode(2, as: [UInt8].self) == bytes)
        #expect(try row.decode(3, as: Int.self) == Int.min)
        #expect(try row.decode(4, as: Bool.self) == true)
        #expect(try row.decode(5, as: Double.self) == 2.5)
        #expect(try row.decode(6, as: PostgresJSON.self).text == #"{"a": [1, "ü"]}"#)
        #expect(try row.decode(7, as: [UInt8].self) == [])
        #expect(!row.isNull(7))
    }

    @Test("1 MB of text round-trips unchanged")
    func largeText() throws {
        let connection = try PostgresConnection(configuration: TestDatabase.configuration())
        let text = String(repeating: "ab€🙂", count: 1_048_576 / 9)
        let row = try #require(try connection.query("SELECT $1::text, length($1::text)", [text]).first)
        #expect(try row.decode(0, as: String.self) == text)
        #expect(try row.decode(1, as: Int.self) == text.count)
    }

    @Test("timestamptz keeps milliseconds, whatever the session's time zone")
    func timestamps() throws {
        let connection = try PostgresConnection(configuration: TestDatabase.configuration())
        try connection.execute(script: "SET TIME ZONE 'Pacific/Auckland'")
        let date = Date(timeIntervalSince1970: 1_764_140_410.123)
        let row = try #require(
            try connection.query(
                "SELECT $1::timestamptz, to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')",
                [date]
            ).first)
        let back = try row.decode(0, as: Date.self)
        #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode(1, as: String.self) == "2025-11-26 07:00:10.123")
    }

    @Test("decoding a column as the wrong type is a clear error naming the column and both types")
    func typeMismatch() throws {
        let connection = try PostgresConnection(configuration: TestDatabase.configuration())
        let row = try #require(try connection.query("SELECT 'x'::text AS label, NULL::int8 AS missing").first)
        let mismatch = #expect(throws: PostgresError.self) { try row.decode(0, as: Int.self) }
        #expect(mismatch?.code == .decoding)
        #expect(mismatch?.message.contains("label") == true)
        #expect(mismatch?.message.contains("text") == true)
        let null = #expect(throws: PostgresError.self) { try row.decode("missing", as: Int.self) }
        #expect(null?.message.contains("NULL") == true)
        #expect(try row.decode("missing", as: Int?.self) == nil)
        #expect(throws: PostgresError.self) { try row.decode("nope", as: Int?.self) }
    }

    @Test("affected row counts come back for writes")
    func affectedRows() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let connection = try schema.connect()
            try connection.execute(script: "CREATE TABLE t (id int8 PRIMARY KEY)")
            let insert = try connection.query("INSERT INTO t SELECT generate_series(1, $1::int)", [Int32(5)])
            #expect(insert.affectedRows == 5)
            #expect(insert.isEmpty)
            let delete = try connection.query("DELETE FROM t WHERE id > $1", [3])
            #expect(delete.affectedRows == 2)
        }
    }

    @Test("a bytea[] parameter unnests to its elements, through a statement prepared once per session")
    func preparedByteaArray() throws {
        let connection = try PostgresConnection(configuration: TestDatabase.configuration())
        let sql = "SELECT ordinality::int8, value FROM unnest($1::bytea[]) WITH ORDINALITY AS t(value, ordinality)"
        for elements in [[[UInt8]](), [[0, 1, 2], [], Array("ü".utf8), [UInt8](repeating: 7, count: 70_000)]] {
            let rows = try connection.query(prepared: "test_unnest", sql, [PostgresByteaArray(elements)])
            #expect(try rows.map { try $0.decode(1, as: [UInt8].self) } == elements)
            #expect(
                try rows.map { try $0.decode(0, as: Int.self) }
                    == Array(stride(from: 1, through: elements.count, by: 1)))
        }
    }
}
