import ArgumentParser
import Foundation
import HeraldCore
import JobQueue
import Postgres

/// `herald-bench seed`: creates the rows a benchmark or drill starts from through Herald's own
/// stores, so the scripts never carry a copy of the product's SQL that could drift from it.
struct BenchSeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Create benchmark rows through Herald's own stores (dev tool).",
        subcommands: [SeedCustomers.self, SeedMessages.self, SeedProbes.self]
    )
}

/// Options shared by the seed commands: which page, and which of its customers.
struct SeedTarget: ParsableArguments {
    @Option(help: "The connected page the messages go out from.")
    var page: String

    @Option(help: "The first customer's PSID, a number; customer k is base + k.")
    var customerBase: Int64

    @Option(help: "Customers the messages go to, round-robin by message index.")
    var customers: Int

    @Option(help: "Message text; {n} stands for the message's index.")
    var text = "Bench message {n}."

    @Option(help: "The send job's attempts (OutboundStore's maxAttempts).")
    var maxAttempts = 8

    func validate() throws {
        guard customers > 0, customerBase >= 0, maxAttempts > 0 else {
            throw ValidationError("--customers and --max-attempts must be positive, --customer-base not negative")
        }
    }

    /// The draft of message `index`, as the send API would hand it to `OutboundStore.create`.
    func draft(_ index: Int) throws -> OutboundStore.Draft {
        let body = try JSONSerialization.data(withJSONObject: [
            "text": text.replacingOccurrences(of: "{n}", with: "\(index)")
        ])
        return OutboundStore.Draft(
            pageID: page, psid: String(customerBase + Int64(index % customers)),
            content: PostgresJSON(String(decoding: body, as: UTF8.self)))
    }

    var store: OutboundStore { OutboundStore(maxAttempts: maxAttempts) }
}

/// Reads HERALD_DATABASE_URL, which every seed command needs.
func seedConnection() throws -> PostgresConnection {
    guard let url = ProcessInfo.processInfo.environment["HERALD_DATABASE_URL"], !url.isEmpty else {
        throw ValidationError("HERALD_DATABASE_URL is required")
    }
    return try PostgresConnection(
        configuration: PostgresConfiguration(connectionString: url, applicationName: "herald-bench-seed"))
}

/// A backlog: `--count` queued supporter messages with their send jobs, as the send API creates
/// them (`OutboundStore.create`), many per transaction, in index order.
struct SeedMessages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "Queue supporter messages and their send jobs through OutboundStore.create.",
        discussion: "Prints {\"created\": N, \"first_id\": …, \"last_id\": …} as JSON. Reads HERALD_DATABASE_URL."
    )

    @OptionGroup var target: SeedTarget

    @Option(help: "Messages to create.")
    var count: Int

    @Option(help: "Index of the first message (its {n} and its customer).")
    var firstIndex = 0

    @Option(help: "Messages per transaction.")
    var batch = 1_000

    func validate() throws {
        guard count > 0, batch > 0, firstIndex >= 0 else {
            throw ValidationError("--count and --batch must be positive")
        }
    }

    func run() throws {
        let connection = try seedConnection()
        let store = target.store
        var ids: [Int64] = []
        var next = firstIndex
        let end = firstIndex + count
        while next < end {
            let range = next..<min(end, next + batch)
            let created = try connection.transaction { connection in
                try range.map { try store.create(target.draft($0), now: Date(), on: connection) }
            }
            ids += created.map(\.id)
            next = range.upperBound
        }
        printJSON(["created": ids.count, "first_id": Int(ids.first ?? 0), "last_id": Int(ids.last ?? 0)])
    }
}

/// Latency probes: `--count` messages created one per transaction, `--interval-ms` apart, each
/// committed with the NOTIFY that wakes an idle worker, exactly as the send API does.
struct SeedProbes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probes",
        abstract: "Create supporter messages one per transaction, some milliseconds apart (latency probes).",
        discussion: "Prints {\"created\": N} as JSON. Reads HERALD_DATABASE_URL."
    )

    @OptionGroup var target: SeedTarget

    @Option(help: "Messages to create.")
    var count: Int

    @Option(help: "Milliseconds between one commit and the next message.")
    var intervalMs = 20

    func validate() throws {
        guard count > 0, intervalMs >= 0 else { throw ValidationError("--count must be positive") }
    }

    func run() throws {
        let connection = try seedConnection()
        let store = target.store
        for index in 1...count {
            _ = try connection.transaction { try store.create(target.draft(index), now: Date(), on: $0) }
            if intervalMs > 0 { Thread.sleep(forTimeInterval: Double(intervalMs) / 1000) }
        }
        printJSON(["created": count])
    }
}

extension OutboundStore.Created {
    var id: Int64 {
        switch self {
        case .created(let id), .existing(let id): id
        }
    }
}

/// One line of JSON on stdout, keys sorted, for the scripts to read with jq.
func printJSON(_ object: [String: Int]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
