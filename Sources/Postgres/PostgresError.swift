/// An error from the Postgres layer.
///
/// Carries what a caller needs to act on it (a `code`, the server's SQLSTATE and fields) and the SQL
/// text of the failing statement, but never its parameter values: `description` is safe to log.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is, independent of the server's SQLSTATE.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The connection could not be opened.
        public static let connectionFailed = Code(rawValue: "connection_failed")
        /// The connection broke while in use (server restart, network failure).
        public static let connectionLost = Code(rawValue: "connection_lost")
        /// The server answered the statement with an error; see `sqlState`.
        public static let server = Code(rawValue: "server")
        /// A column's type or nullability does not match what the caller decoded it as.
        public static let decoding = Code(rawValue: "decoding")
        /// No connection of the pool became free within the configured timeout.
        public static let poolTimeout = Code(rawValue: "pool_timeout")
        /// The pool was closed.
        public static let poolClosed = Code(rawValue: "pool_closed")
        /// A migration file is malformed, or an applied one was edited.
        public static let migration = Code(rawValue: "migration")
        /// libpq could not run the call at all (out of memory, bad state).
        public static let client = Code(rawValue: "client")
    }

    public var code: Code
    /// The server's SQLSTATE, when the server reported the error.
    public var sqlState: SQLState?
    /// The primary message: the server's, or ours for client-side failures.
    public var message: String
    /// The server's DETAIL field. May quote data from rows, so it is only in `debugDescription`.
    public var detail: String?
    /// The server's HINT field.
    public var hint: String?
    /// The violated constraint's name, for integrity errors.
    public var constraint: String?
    /// The table the error concerns, when the server names one.
    public var table: String?
    /// The SQL text of the failing statement (never its parameters).
    public var query: String?

    public init(
        code: Code, message: String, sqlState: SQLState? = nil, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, table: String? = nil, query: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.query = query
    }

    /// True when the connection is gone and the work may be retried on a fresh one.
    public var isConnectionError: Bool {
        code == .connectionFailed || code == .connectionLost || sqlState?.isConnectionException == true
            || sqlState == .adminShutdown || sqlState == .cannotConnectNow
    }

    public var description: String {
        var text = "PostgresError(\(code)"
        if let sqlState { text += ", sqlstate \(sqlState)" }
        if let constraint { text += ", constraint \(constraint)" }
        // The server's message can quote values for some errors (e.g. invalid input syntax), so keep
        // only messages we wrote ourselves in the short form.
        if sqlState == nil { text += ": \(message)" }
        return text + ")"
    }

    public var debugDescription: String {
        var parts = ["code: \(code)", "message: \(message)"]
        if let sqlState { parts.append("sqlstate: \(sqlState)") }
        if let detail { parts.append("detail: \(detail)") }
        if let hint { parts.append("hint: \(hint)") }
        if let constraint { parts.append("constraint: \(constraint)") }
        if let table { parts.append("table: \(table)") }
        if let query { parts.append("query: \(query)") }
        return "PostgresError(" + parts.joined(separator: ", ") + ")"
    }
}
