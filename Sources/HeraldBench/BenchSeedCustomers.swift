import ArgumentParser
import Foundation
import HeraldCore
import JobQueue
import Messenger
import Postgres

/// `herald-bench seed customers`: a connected page and its customers, made the way production
/// makes them. The page is connected through `PageStore.connect`; each customer's first message
/// is a Messenger webhook stored by the gateway's own insert and applied by `WebhookIngestor`
/// (customer row, inbound message, inactivity check, profile job); each profile job is then run
/// through `ProfileFetch` with the answer Graph would give, as `herald work` records it. The
/// drills and benchmarks start from the state a live page reaches, never from a copy of the
/// product's SQL.
struct SeedCustomers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customers",
        abstract: "Connect a page and create its customers through webhook ingest and profile fetches.",
        discussion: """
            Customer k has PSID base + k and wrote one message --wrote-seconds-ago seconds ago (its \
            24-hour window is open while that is under a day). Prints {"customers": N, "profiles": N, \
            "webhooks": N} as JSON. Reads HERALD_DATABASE_URL. The page token is stored unsealed, which \
            herald reads with or without HERALD_TOKEN_KEY.
            """
    )

    @Option(help: "The page to connect.")
    var page: String

    @Option(help: "Its name.")
    var pageName = "Bench Page"

    @Option(help: "The page access token stored for it (the fake Graph accepts any).")
    var pageToken = "bench-page-token"

    @Option(help: "The first customer's PSID, a number; customer k is base + k.")
    var customerBase: Int64

    @Option(help: "Customers to create.")
    var customers: Int

    @Option(help: "How long ago each customer's message was sent, in seconds.")
    var wroteSecondsAgo = 3_600

    @Option(help: "Customer messages per stored webhook (Facebook batches up to 1,000 entries).")
    var perWebhook = 100

    @Flag(help: "Leave the profile jobs queued (herald work then fetches them from Graph).")
    var withoutProfiles = false

    func validate() throws {
        guard customers > 0, customerBase >= 0, wroteSecondsAgo >= 0, (1...1_000).contains(perWebhook) else {
            throw ValidationError(
                "--customers must be positive, --customer-base and --wrote-seconds-ago not negative, --per-webhook 1-1000"
            )
        }
        guard !page.isEmpty, page.allSatisfy(\.isNumber) else { throw ValidationError("--page must be a page id") }
    }

    func run() throws {
        let connection = try seedConnection()
        let now = Date()
        _ = try connection.transaction {
            try PageStore().connect(
                .init(pageID: page, accessToken: pageToken, name: pageName), key: nil, now: now, on: $0)
        }
        let webhooks = try storeWebhooks(sentAt: now.addingTimeInterval(-Double(wroteSecondsAgo)), connection)
        // One attempt: a seed webhook that does not apply is a bug to see now, not in 5 s.
        let ingestor = WebhookIngestor(configuration: .init(batchSize: 50, maxAttempts: 1))
        var applied = 0
        while true {
            let outcome = try ingestor.ingestBatch(now: Date(), on: connection)
            guard outcome.parked == 0, outcome.retried == 0 else {
                throw ValidationError("a seed webhook did not apply; see GET /admin/webhook-events?state=parked")
            }
            if outcome.claimed == 0 { break }
            applied += outcome.processed
        }
        guard applied == webhooks else { throw ValidationError("\(webhooks - applied) seed webhooks were not applied") }
        let profiles = withoutProfiles ? 0 : try answerProfileJobs(connection)
        printJSON(["customers": customers, "profiles": profiles, "webhooks": webhooks])
    }

    /// One webhook per `perWebhook` customers, each entry one customer's first message.
    private func storeWebhooks(sentAt: Date, _ connection: PostgresConnection) throws -> Int {
        let milliseconds = Int64(sentAt.timeIntervalSince1970 * 1_000)
        var bodies: [[UInt8]] = []
        for start in stride(from: 0, to: customers, by: perWebhook) {
            let entries = (start..<min(customers, start + perWebhook)).map { index in
                let psid = customerBase + Int64(index)
                return #"{"id":"\#(page)","time":\#(milliseconds),"messaging":[{"sender":{"id":"\#(psid)"},"#
                    + #""recipient":{"id":"\#(page)"},"timestamp":\#(milliseconds),"#
                    + #""message":{"mid":"m_seed_\#(page)_\#(psid)","text":"Hello, I have a question about my order."}}]}"#
            }
            bodies.append(Array(#"{"object":"page","entry":[\#(entries.joined(separator: ","))]}"#.utf8))
        }
        for chunk in stride(from: 0, to: bodies.count, by: 100) {
            try WebhookEventStore().insert(
                bodies: Array(bodies[chunk..<min(bodies.count, chunk + 100)]), on: connection)
        }
        return bodies.count
    }

    /// Runs every due `fetch_profile` job (on a drill's own database, the seeded page's) as
    /// `herald work`'s profile pool does, with the answer Graph gives for a customer who shares
    /// their name: claim, `ProfileFetch.start`, `finish`.
    private func answerProfileJobs(_ connection: PostgresConnection) throws -> Int {
        let queue = JobQueue()
        let fetch = ProfileFetch()
        var answered = 0
        while true {
            let now = Date()
            let jobs = try queue.claim(
                kinds: [ProfileRefresh.kind], limit: 500, worker: "herald-bench-seed", lease: .seconds(300), now: now,
                on: connection)
            guard !jobs.isEmpty else { return answered }
            try connection.transaction { connection in
                for job in jobs {
                    let outcome: JobOutcome
                    switch try fetch.start(job, on: connection) {
                    case .finished(let finished): outcome = finished
                    case .fetch(let target):
                        outcome = try fetch.finish(
                            job, .fetched(Self.profile(psid: target.psid)), for: target, now: now, on: connection)
                        answered += 1
                    }
                    _ = try queue.record(outcome, for: job, now: now, on: connection)
                }
            }
        }
    }

    /// A name drawn from the PSID, with the diacritics real pages have (search folds them).
    static func profile(psid: String) -> GraphUserProfile.Profile {
        let first = ["Lan", "Minh", "Ana", "José", "Zoë", "Mạnh", "Chloé", "Ngọc", "Søren", "Amélie"]
        let last = ["Nguyễn", "Trần", "García", "Müller", "Dubois", "Lê", "Kowalski", "Núñez", "Silva", "Phạm"]
        let number = Int(psid.suffix(6)) ?? 0
        return GraphUserProfile.Profile(
            firstName: first[number % first.count], lastName: last[(number / first.count) % last.count],
            profilePic: "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=\(psid)")
    }
}
