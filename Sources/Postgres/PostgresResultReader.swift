import CLibPQ

/// Copies a `PGresult` into Swift values: rows, or a `PostgresError` with the server's fields.
enum PostgresResultReader {
    static func rows(of result: OpaquePointer, query: String) -> PostgresRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { column in
            PostgresRows.Column(
                name: String(cString: PQfname(result, Int32(column))),
                type: PostgresType(rawValue: PQftype(result, Int32(column))))
        }
        var storage: [UInt8] = []
        var cells: [Range<Int>?] = []
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    cells.append(nil)
                    continue
                }
                let length = Int(PQgetlength(result, row, column))
                let start = storage.count
                if length > 0, let value = PQgetvalue(result, row, column) {
                    value.withMemoryRebound(to: UInt8.self, capacity: length) {
                        storage.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                    }
                }
                cells.append(start..<start + length)
            }
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? rowCount
        return PostgresRows(
            columns: columns, affectedRows: affected, query: query, storage: storage, cells: cells)
    }

    static func error(of result: OpaquePointer, query: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        return PostgresError(
            code: .server,
            message: field("M") ?? String(cString: PQresultErrorMessage(result)),
            sqlState: field("C").map(SQLState.init(rawValue:)),
            detail: field("D"),
            hint: field("H"),
            constraint: field("n"),
            table: field("t"),
            query: query)
    }
}
