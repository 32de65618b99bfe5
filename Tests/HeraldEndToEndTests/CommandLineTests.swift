import Foundation
import Postgres
import TestSupport
import Testing

/// The `herald` executable's own checks, run as a process the way an operator runs it.
@Suite("herald command line", .onTestThreads)
struct CommandLineTests {
    static var binary: String { RepositoryPaths.root.appendingPathComponent(".build/debug/herald").path }

    @Test(
        "--concurrency outside 1…256 is refused with a usage error before anything starts",
        arguments: ["0", "257", "-3"])
    func concurrencyRange(value: String) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary), "build herald first (scripts/test does)")
        for command in ["work", "run"] {
            let (status, output) = try ChildProcess.run(
                Self.binary, [command, "--concurrency=\(value)"], environment: ["PATH": "/usr/bin:/bin"])
            #expect(status == 64, "\(command): \(output)")
            #expect(output.contains("--concurrency must be 1 to 256"), "\(command): \(output)")
        }
    }

    @Test("missing required settings stop start-up with exit code 78, one line per variable")
    func missingSettings() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary), "build herald first (scripts/test does)")
        let (status, output) = try ChildProcess.run(Self.binary, ["serve"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(status == 78, "\(output)")
        for name in [
            "HERALD_DATABASE_URL", "HERALD_APP_SECRET", "HERALD_VERIFY_TOKEN", "HERALD_API_TOKEN", "HERALD_ADMIN_TOKEN",
        ] {
            #expect(output.contains(name), "\(name) not named: \(output)")
        }
    }

    @Test(
        "serve, work and run list HERALD_ALLOW_PRIVATE_URLS in --help; a value other than true or false stops start-up")
    func allowPrivateURLsSetting() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary), "build herald first (scripts/test does)")
        for command in ["serve", "work", "run"] {
            let (status, output) = try ChildProcess.run(
                Self.binary, [command, "--help"], environment: ["PATH": "/usr/bin:/bin"])
            #expect(status == 0, "\(command): \(output)")
            #expect(output.contains("HERALD_ALLOW_PRIVATE_URLS (default: false)"), "\(command): \(output)")
        }
        let (status, output) = try ChildProcess.run(
            Self.binary, ["work"],
            environment: [
                "PATH": "/usr/bin:/bin", "HERALD_DATABASE_URL": "postgresql://127.0.0.1:9/none",
                "HERALD_ALLOW_PRIVATE_URLS": "maybe",
            ])
        #expect(status == 78, "\(output)")
        #expect(output.contains(#"HERALD_ALLOW_PRIVATE_URLS must be true or false, got "maybe""#), "\(output)")
    }

    @Test(
        "HERALD_LOG_FORMAT and the connection settings are listed in --help; a bad value of any stops start-up with 78, naming it"
    )
    func logFormatAndConnectionSettings() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary), "build herald first (scripts/test does)")
        for command in ["serve", "run"] {
            let (_, output) = try ChildProcess.run(
                Self.binary, [command, "--help"], environment: ["PATH": "/usr/bin:/bin"])
            for listed in [
                "HERALD_LOG_FORMAT (default: text)", "HERALD_READ_TIMEOUT_SECONDS (default: 30)",
                "HERALD_IDLE_TIMEOUT_SECONDS (default: 60)", "HERALD_MAX_CONNECTIONS (default: 10000)",
            ] {
                #expect(output.contains(listed), "\(command): \(output)")
            }
        }
        let (workStatus, workHelp) = try ChildProcess.run(
            Self.binary, ["migrate", "--help"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(workStatus == 0 && workHelp.contains("HERALD_LOG_FORMAT"), "\(workHelp)")
        let (status, output) = try ChildProcess.run(
            Self.binary, ["serve"],
            environment: [
                "PATH": "/usr/bin:/bin", "HERALD_DATABASE_URL": "postgresql://127.0.0.1:9/none",
                "HERALD_APP_SECRET": "s",
                "HERALD_VERIFY_TOKEN": "v", "HERALD_API_TOKEN": "a", "HERALD_ADMIN_TOKEN": "d",
                "HERALD_LOG_FORMAT": "yaml",
                "HERALD_READ_TIMEOUT_SECONDS": "0", "HERALD_IDLE_TIMEOUT_SECONDS": "soon",
                "HERALD_MAX_CONNECTIONS": "-1",
            ])
        #expect(status == 78, "\(output)")
        #expect(output.contains(#"HERALD_LOG_FORMAT must be text or json, got "yaml""#), "\(output)")
        for name in ["HERALD_READ_TIMEOUT_SECONDS", "HERALD_IDLE_TIMEOUT_SECONDS", "HERALD_MAX_CONNECTIONS"] {
            #expect(output.contains("\(name) must be a whole number"), "\(name): \(output)")
        }
    }

    @Test(
        "herald-bench jobs drains every job it enqueued (ordering keys too), prints its rates as JSON and leaves no job behind"
    )
    func benchJobs() async throws {
        try await TestDatabase.withSchema { schema in
            let environment = try HeraldProcessSupport.environment(schema: schema, graphURL: "http://127.0.0.1:9")
            let (status, output) = try ChildProcess.run(
                try HeraldProcessSupport.binary("herald-bench"),
                ["jobs", "--jobs", "600", "--threads", "2", "--claim-batch", "25", "--ordering-keys", "7"],
                environment: environment)
            #expect(status == 0, "\(output)")
            let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(output)")
            let figures = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double])
            #expect(figures["jobs"] == 600)
            #expect((figures["drain_per_second"] ?? 0) > 0)
            #expect(try schema.connect().query("SELECT count(*) FROM jobs")[0].decode(0, as: Int.self) == 0)
        }
    }

    @Test(
        "herald-bench seed customers makes a connected page's customers through ingest and profile jobs, as production does"
    )
    func seedCustomers() async throws {
        try await TestDatabase.withSchema { schema in
            let environment = try HeraldProcessSupport.environment(schema: schema, graphURL: "http://127.0.0.1:9")
            let (status, output) = try ChildProcess.run(
                try HeraldProcessSupport.binary("herald-bench"),
                [
                    "seed", "customers", "--page", "104500000000777", "--customer-base", "7000000000000000",
                    "--customers", "250", "--page-name", "Seed Page",
                ],
                environment: environment)
            #expect(status == 0, "\(output)")
            #expect(output.contains(#"{"customers":250,"profiles":250,"webhooks":3}"#), "\(output)")
            let connection = try schema.connect()
            let page = try connection.query(
                "SELECT name, token_status, access_token IS NOT NULL FROM pages WHERE id = '104500000000777'")
            #expect(page.count == 1)
            #expect(try page.first?.decode(0, as: String.self) == "Seed Page")
            #expect(try page.first?.decode(1, as: String.self) == "valid")
            #expect(try page.first?.decode(2, as: Bool.self) == true)
            let customers = try connection.query(
                """
                SELECT count(*), count(*) FILTER (WHERE total_messages = 1 AND profile_status = 'fetched' AND name <> ''),
                       min(psid), max(psid),
                       bool_and(abs(extract(epoch FROM now() - last_message_at) - 3600) < 300)
                FROM customers
                """)[0]
            #expect(try customers.decode(0, as: Int.self) == 250)
            #expect(try customers.decode(1, as: Int.self) == 250)
            #expect(try customers.decode(2, as: String.self) == "7000000000000000")
            #expect(try customers.decode(3, as: String.self) == "7000000000000249")
            #expect(try customers.decode(4, as: Bool.self) == true, "each customer wrote about an hour ago")
            let inbound = try connection.query("SELECT count(*) FROM messages WHERE direction = 'inbound'")
            #expect(try inbound[0].decode(0, as: Int.self) == 250)
            let jobs = try connection.query(
                "SELECT kind || ':' || state, count(*) FROM jobs GROUP BY 1 ORDER BY 1"
            ).map { "\(try $0.decode(0, as: String.self))=\(try $0.decode(1, as: Int.self))" }
            #expect(jobs == ["fetch_profile:completed=250", "inactivity_check:available=250"])
            let events = try connection.query("SELECT state, count(*) FROM webhook_events GROUP BY 1")
            #expect(
                try events.map { "\(try $0.decode(0, as: String.self))=\(try $0.decode(1, as: Int.self))" } == [
                    "processed=3"
                ])
        }
    }
}
