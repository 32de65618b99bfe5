/// The rows a statement returned, copied out of libpq's result so they can cross threads.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// One result column: its name and type.
    public struct Column: Sendable, Hashable {
        public var name: String
        public var type: PostgresType
    }

    public let columns: [Column]
    /// Rows affected by INSERT/UPDATE/DELETE (`PQcmdTuples`), or the row count for SELECT.
    public let affectedRows: Int
    let query: String
    // All cell bytes in one buffer; `cells[row * columns.count + column]` is a cell's range, nil for NULL.
    let storage: [UInt8]
    let cells: [Range<Int>?]

    init(columns: [Column], affectedRows: Int, query: String, storage: [UInt8], cells: [Range<Int>?]) {
        self.columns = columns
        self.affectedRows = affectedRows
        self.query = query
        self.storage = storage
        self.cells = cells
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }

    public subscript(position: Int) -> PostgresRow { PostgresRow(rows: self, index: position) }

    /// The only row, or nil when there is none; more than one row is a caller's bug worth surfacing.
    public func singleRow() throws -> PostgresRow? {
        guard count <= 1 else {
            throw PostgresError(code: .decoding, message: "expected at most one row, got \(count)", query: query)
        }
        return first
    }

    func columnIndex(named name: String) -> Int? { columns.firstIndex { $0.name == name } }
}

/// One row of `PostgresRows`; decode its columns by position or name.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    /// Decodes a column; a NULL decodes only as an `Optional`.
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws -> T {
        let value: T? = try decodeOptional(column, as: T.self)
        guard let value else {
            throw PostgresError(
                code: .decoding, message: "column \(rows.columns[column].name) is NULL, expected \(T.self)",
                query: rows.query)
        }
        return value
    }

    /// Decodes a column that may be NULL.
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T?.Type = T?.self) throws -> T? {
        try decodeOptional(column, as: T.self)
    }

    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try decode(try index(of: name), as: T.self)
    }

    public func decode<T: PostgresDecodable>(_ name: String, as type: T?.Type = T?.self) throws -> T? {
        try decodeOptional(try index(of: name), as: T.self)
    }

    /// True when the column is SQL NULL.
    public func isNull(_ column: Int) -> Bool { rows.cells[index * rows.columns.count + column] == nil }

    private func index(of name: String) throws -> Int {
        guard let column = rows.columnIndex(named: name) else {
            throw PostgresError(code: .decoding, message: "no column named \(name)", query: rows.query)
        }
        return column
    }

    private func decodeOptional<T: PostgresDecodable>(_ column: Int, as type: T.Type) throws -> T? {
        guard column >= 0, column < rows.columns.count else {
            throw PostgresError(code: .decoding, message: "no column at index \(column)", query: rows.query)
        }
        guard let range = rows.cells[index * rows.columns.count + column] else { return nil }
        let info = rows.columns[column]
        guard let value = T.decode(from: rows.storage[range], type: info.type) else {
            throw PostgresError(
                code: .decoding,
                message: "column \(info.name) has type \(info.type), which cannot be decoded as \(T.self)",
                query: rows.query)
        }
        return value
    }
}
