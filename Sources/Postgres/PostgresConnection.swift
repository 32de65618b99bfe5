import CLibPQ
import Foundation

/// One libpq connection. Blocking; confine it to one thread or serial queue at a time.
///
/// Not `Sendable`: libpq forbids two threads on one `PGconn`. `PostgresPool` gives each connection
/// a serial queue of its own and hands it to one closure at a time.
public final class PostgresConnection {
    private let handle: OpaquePointer
    /// Names of the statements prepared on this session (they live as long as the session).
    private var prepared: Set<String> = []

    /// Opens a connection; throws `connectionFailed` with libpq's reason.
    public init(configuration: PostgresConfiguration) throws(PostgresError) {
        let pairs = configuration.keywordValues
        let handle: OpaquePointer? = withCStringArray(pairs.map(\.0)) { keywords in
            withCStringArray(pairs.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 1)  // 1: expand `dbname` as a URL/conninfo
            }
        }
        guard let handle else {
            throw PostgresError(code: .client, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let reason = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, message: reason)
        }
        // libpq prints server NOTICEs to stderr by default; they are informational and would
        // interleave with the process's structured logs.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    /// Runs one parameterised statement (`$1`, `$2`, …) and returns its rows, all in binary format.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws(PostgresError) -> PostgresRows {
        let bindings = parameters.map(\.postgresBinding)
        let result = ParameterBuffer(bindings).withLibPQArrays { types, values, lengths, formats in
            PQexecParams(handle, sql, Int32(bindings.count), types, values, lengths, formats, 1)
        }
        return try consume(result, query: sql)
    }

    /// Runs a statement prepared once per session under `name`, then executed by name: for hot
    /// statements, whose parsing and planning would otherwise be repeated on every call. The
    /// parameters' types must be the same on every call with the same name.
    @discardableResult
    public func query(
        prepared name: String, _ sql: String, _ parameters: [any PostgresEncodable] = []
    ) throws(PostgresError) -> PostgresRows {
        let bindings = parameters.map(\.postgresBinding)
        let buffer = ParameterBuffer(bindings)
        if !prepared.contains(name) {
            let result = buffer.withLibPQArrays { types, _, _, _ in
                PQprepare(handle, name, sql, Int32(bindings.count), types)
            }
            _ = try consume(result, query: sql)
            prepared.insert(name)
        }
        let result = buffer.withLibPQArrays { _, values, lengths, formats in
            PQexecPrepared(handle, name, Int32(bindings.count), values, lengths, formats, 1)
        }
        return try consume(result, query: sql)
    }

    /// Runs trusted, parameterless SQL that may hold several statements (migrations, `BEGIN`).
    public func execute(script sql: String) throws(PostgresError) {
        _ = try consume(PQexec(handle, sql), query: sql)
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    @discardableResult
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try execute(script: "BEGIN")
        let value: T
        do {
            value = try body(self)
        } catch {
            // A failed ROLLBACK means the connection is gone; the original error matters more.
            try? execute(script: "ROLLBACK")
            throw error
        }
        try execute(script: "COMMIT")
        return value
    }

    /// Sends `NOTIFY channel, payload` (through `pg_notify`, so both are parameters).
    public func notify(channel: String, payload: String = "") throws(PostgresError) {
        try query("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// False once libpq has noticed the connection is broken.
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Where the session is: idle, inside a transaction, or in a failed one.
    public var transactionState: TransactionState {
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: .idle
        case PQTRANS_INTRANS: .inTransaction
        case PQTRANS_INERROR: .failedTransaction
        default: .unknown
        }
    }

    public enum TransactionState: Sendable { case idle, inTransaction, failedTransaction, unknown }

    /// Reads whatever the server sent while the connection sat idle, without blocking, so that a
    /// connection the server closed (restart, idle timeout) is found broken *before* it is used.
    public func checkAlive() -> Bool {
        guard isConnected else { return false }
        // A server that shuts down first sends a FATAL message, then closes: the first read takes
        // the message and only a later one sees the end of the stream, so read while data is ready.
        for _ in 0..<4 {
            var pollDescriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard poll(&pollDescriptor, 1, 0) > 0 else { break }
            if PQconsumeInput(handle) == 0 { return false }
            drainNotifications()
            if !isConnected { return false }
        }
        return isConnected
    }

    /// A handle that cancels the statement running on this connection, usable from any thread.
    public func makeCanceller() -> PostgresCanceller? {
        PQgetCancel(handle).map(PostgresCanceller.init)
    }

    /// The backend's process id.
    public var backendPID: Int32 { PQbackendPID(handle) }

    var socket: Int32 { PQsocket(handle) }

    /// Reads pending input and returns notifications that arrived (used by `PostgresListener`).
    func consumeNotifications() throws(PostgresError) -> [PostgresNotification] {
        guard PQconsumeInput(handle) == 1 else { throw lostConnection(query: nil) }
        return drainNotifications()
    }

    @discardableResult
    private func drainNotifications() -> [PostgresNotification] {
        var notifications: [PostgresNotification] = []
        while let raw = PQnotifies(handle) {
            let item = raw.pointee
            notifications.append(
                PostgresNotification(
                    channel: String(cString: item.relname), payload: String(cString: item.extra),
                    senderPID: item.be_pid))
            PQfreemem(raw)
        }
        return notifications
    }

    private func consume(_ result: OpaquePointer?, query: String) throws(PostgresError) -> PostgresRows {
        guard let result else { throw lostConnection(query: query) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResultReader.rows(of: result, query: query)
        default:
            if PQstatus(handle) != CONNECTION_OK { throw lostConnection(query: query) }
            throw PostgresResultReader.error(of: result, query: query)
        }
    }

    private func lostConnection(query: String?) -> PostgresError {
        let reason = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(code: .connectionLost, message: reason, query: query)
    }
}

@available(*, unavailable)
extension PostgresConnection: Sendable {}

/// A LISTEN notification.
public struct PostgresNotification: Sendable, Hashable {
    public var channel: String
    public var payload: String
    public var senderPID: Int32

    public init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }
}

/// Cancels the running statement of one connection; thread-safe per libpq's `PQcancel` contract.
public final class PostgresCanceller: @unchecked Sendable {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQfreeCancel(handle) }

    /// Asks the server to cancel; a statement that already finished is unaffected.
    public func cancel() {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(handle, &buffer, Int32(buffer.count))
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the duration of the call.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicated = strings.map { strdup($0) }
    defer { duplicated.forEach { free($0) } }
    let pointers = duplicated.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
