import ArgumentParser
import Foundation
import Messenger

/// `herald-bench webhooks`: signed Messenger webhooks for scripts/bench-pipeline, generated and
/// signed ahead so the load generator spends nothing on JSON or HMAC while it offers load. Each
/// webhook is one customer message from its own customer (`psid` and `mid` unique per webhook
/// and per run), the costliest ordinary event for ingest: a new customer, a new message and an
/// inactivity check each. One line per webhook: the `X-Hub-Signature-256` value, a tab, the body.
struct BenchWebhooks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Write pre-signed webhooks with unique customers and mids, one per line, for wrk to replay."
    )

    @Option(help: "Webhooks to write.")
    var count = 60_000

    @Option(help: "The app secret they are signed with (HERALD_APP_SECRET of the server under test).")
    var appSecret: String

    @Option(help: "Page id of every webhook.")
    var page = "104857600012345"

    @Option(help: "Tag that keeps customers and mids of separate runs apart.")
    var tag = "r"

    @Option(help: "File to write (replaced).")
    var out: String

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard tag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ValidationError("--tag may hold letters, digits and underscores only")
        }
    }

    func run() throws {
        let signature = WebhookSignature(appSecret: Array(appSecret.utf8))
        let milliseconds = Int64(Date().timeIntervalSince1970 * 1_000)
        var output: [UInt8] = []
        output.reserveCapacity(count * 420)
        for index in 0..<count {
            let body = Array(
                (#"{"object":"page","entry":[{"id":"\#(page)","time":\#(milliseconds),"messaging":[{"sender":{"id":"pipe_\#(tag)_\#(index)"},"#
                    + #""recipient":{"id":"\#(page)"},"timestamp":\#(milliseconds),"message":{"mid":"m_pipe_\#(tag)_\#(index)","#
                    + #""text":"hello from customer \#(index)"}}]}]}"#).utf8)
            output += Array(signature.headerValue(for: body).utf8)
            output.append(UInt8(ascii: "\t"))
            output += body
            output.append(UInt8(ascii: "\n"))
        }
        guard FileManager.default.createFile(atPath: out, contents: Data(output)) else {
            throw ValidationError("cannot write \(out)")
        }
    }
}
