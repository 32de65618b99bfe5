/// How to open a connection.
public struct PostgresConfiguration: Sendable {
    /// A libpq URL (`postgresql://user@host:port/db`) or conninfo string (`host=… dbname=…`).
    public var connectionString: String
    /// Reported in `pg_stat_activity`. Default: `herald`.
    public var applicationName: String
    /// Seconds to wait for a connection to open. Default: 5.
    public var connectTimeoutSeconds: Int
    /// Server settings applied to every session (sent as `options=-c key=value`), e.g.
    /// `["search_path": "tenant_1"]`. Default: none. Names and values must be plain identifiers.
    public var sessionSettings: [String: String]

    public init(
        connectionString: String, applicationName: String = "herald", connectTimeoutSeconds: Int = 5,
        sessionSettings: [String: String] = [:]
    ) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.sessionSettings = sessionSettings
    }

    /// Keyword/value pairs for `PQconnectdbParams`.
    ///
    /// Order matters: entries before `dbname` are defaults the connection string may override;
    /// entries after it are forced. Values are passed as parameters, never pasted into a string.
    var keywordValues: [(String, String)] {
        var pairs: [(String, String)] = [
            ("application_name", applicationName),
            ("connect_timeout", String(connectTimeoutSeconds)),
            // Keepalives notice a peer that vanished without closing the socket.
            ("keepalives", "1"),
            ("keepalives_idle", "30"),
            ("keepalives_interval", "10"),
            ("keepalives_count", "3"),
            ("dbname", connectionString),
            ("client_encoding", "UTF8"),
        ]
        if !sessionSettings.isEmpty {
            let options = sessionSettings.sorted { $0.key < $1.key }.map { "-c \($0.key)=\($0.value)" }
            pairs.append(("options", options.joined(separator: " ")))
        }
        return pairs
    }
}
