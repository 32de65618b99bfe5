import Curl
import FakeGraph
import Foundation
import HeraldCore
import Messenger
import Postgres
import TestSupport
import Testing
import Workers

/// Outbound URL safety in the send worker, end to end: real Postgres, the real send pool, real
/// libcurl, and a loopback file host that records every connection. Without
/// `HERALD_ALLOW_PRIVATE_URLS` a URL that leads to this machine fails `invalid_format` "URL is not
/// publicly reachable" before any connection to it, and Graph is never called. Messages are
/// stored the way the gateway stores them minus its own address check (`Pipeline.send`), so the
/// worker's checks are what is tested. Nothing leaves 127.0.0.0/8 and ::1.
@Suite("Send worker: URLs that are not publicly reachable")
struct URLSafetyTests {
    static let detail = "URL is not publicly reachable"

    /// A URL on the recording server and the addresses that server listens on.
    struct Target: Sendable, CustomTestStringConvertible {
        var name: String
        var listen: [String]
        var host: String
        var testDescription: String { name }

        func url(_ server: RecordingHTTPServer, _ path: String) -> String { "http://\(host):\(server.port)\(path)" }
    }

    static let targets: [Target] = [
        Target(name: "127.0.0.1", listen: ["127.0.0.1"], host: "127.0.0.1"),
        Target(name: "127.0.0.2", listen: ["127.0.0.2"], host: "127.0.0.2"),
        Target(name: "0.0.0.0", listen: ["127.0.0.1"], host: "0.0.0.0"),
        Target(name: "[::1]", listen: ["::1"], host: "[::1]"),
        Target(name: "[::ffff:127.0.0.1]", listen: ["127.0.0.1"], host: "[::ffff:127.0.0.1]"),
        Target(name: "2130706433 (127.0.0.1 as one number)", listen: ["127.0.0.1"], host: "2130706433"),
        // A name: only the connection-time check can see where it leads.
        Target(name: "localhost", listen: ["127.0.0.1", "::1"], host: "localhost"),
    ]

    static func failure(_ pipeline: SendPipelineTests.Pipeline, _ id: Int64) throws -> (String?, String?, String?) {
        let row = try pipeline.connection.query(
            "SELECT status, failure_reason, failure_detail FROM messages WHERE id = $1", [id])[0]
        return (
            try row.decode(0, as: String?.self), try row.decode(1, as: String?.self),
            try row.decode(2, as: String?.self)
        )
    }

    @Test(
        "an image or file URL leading to this machine fails invalid_format; its server never sees a connection",
        arguments: targets, ["image", "file"])
    func refused(_ target: Target, kind: String) async throws {
        try await RecordingHTTPServer.with(hosts: target.listen) { server in
            try await SendPipelineTests.withPipeline(urlPolicy: .publicOnly) { pipeline in
                try pipeline.addCustomer("u1")
                let url = target.url(server, "/a.bin?bytes=1000")
                let id = try pipeline.send(#"{"\#(kind)":{"url":"\#(url)"}}"#, to: "u1")
                try await pipeline.waitForFinal([id])
                let (status, reason, detail) = try Self.failure(pipeline, id)
                #expect(status == "failed")
                #expect(reason == "invalid_format")
                #expect(detail == Self.detail)
                #expect(server.untouched, "\(server.requests)")
                #expect(pipeline.graph.requests().isEmpty)
            }
        }
    }

    @Test("with HERALD_ALLOW_PRIVATE_URLS the same URLs are measured and sent (each server gets its HEAD)")
    func allowedWhenPrivateAllowed() async throws {
        let servers = try Self.targets.map { try RecordingHTTPServer(hosts: $0.listen) }
        defer { servers.forEach { $0.stop() } }
        try await SendPipelineTests.withPipeline(urlPolicy: .anyAddress) { pipeline in
            var ids: [Int64] = []
            for (index, (target, server)) in zip(Self.targets, servers).enumerated() {
                try pipeline.addCustomer("a\(index)")
                let url = target.url(server, "/a.png?bytes=1000")
                ids.append(try pipeline.send(#"{"image":{"url":"\#(url)"}}"#, to: "a\(index)"))
            }
            try await pipeline.waitForFinal(ids)
            for (id, (target, server)) in zip(ids, zip(Self.targets, servers)) {
                #expect(try pipeline.status(id).status == "sent", "\(target.name)")
                #expect(server.requests.map(\.method) == ["HEAD"], "\(target.name)")
            }
        }
    }

    @Test("a redirect from a host playing public to a loopback one: the first hop is recorded, the target never")
    func redirectToLoopback() async throws {
        try await RecordingHTTPServer.with(hosts: ["127.0.0.1"]) { first in
            try await RecordingHTTPServer.with(hosts: ["127.0.0.2"]) { target in
                let policy = AddressPolicy(
                    allowedForTesting: [.init(address: IPAddress(127, 0, 0, 1), port: first.port)])
                try await SendPipelineTests.withPipeline(urlPolicy: policy) { pipeline in
                    try pipeline.addCustomer("r1")
                    try pipeline.addCustomer("r2")
                    let hidden = Self.redirect(from: first, to: target.url("/secret.png?bytes=1000"))
                    let refused = try pipeline.send(#"{"image":{"url":"\#(hidden)"}}"#, to: "r1")
                    // Control: a redirect that stays on the allowed host is followed and measured.
                    let large = Self.redirect(from: first, to: first.url("/big.zip?bytes=30000000"))
                    let measured = try pipeline.send(#"{"file":{"url":"\#(large)"}}"#, to: "r2")
                    try await pipeline.waitForFinal([refused, measured])

                    let (status, reason, detail) = try Self.failure(pipeline, refused)
                    #expect(status == "failed")
                    #expect(reason == "invalid_format")
                    #expect(detail == Self.detail)
                    #expect(target.untouched, "\(target.requests)")
                    #expect(try pipeline.status(measured).reason == "file_too_large")
                    // Both first hops and the control's second hop, all HEADs, nothing else.
                    #expect(first.requests.map(\.method) == ["HEAD", "HEAD", "HEAD"], "\(first.requests)")
                    #expect(first.requests.filter { $0.target.hasPrefix("/secret") }.isEmpty)
                    #expect(pipeline.graph.requests().isEmpty)
                }
            }
        }
    }

    @Test("the worker refuses carousel and button URLs whose host is a loopback literal, without calling Graph")
    func carouselLiteral() async throws {
        try await SendPipelineTests.withPipeline(urlPolicy: .publicOnly) { pipeline in
            try pipeline.addCustomer("c1")
            let id = try pipeline.send(
                #"{"carousel":{"elements":[{"title":"Shoe","image_url":"https://cdn.example.com/s.png","buttons":[{"type":"web_url","title":"Buy","url":"http://127.0.0.1:5432/"}]}]}}"#,
                to: "c1")
            try await pipeline.waitForFinal([id])
            let (status, reason, detail) = try Self.failure(pipeline, id)
            #expect(status == "failed")
            #expect(reason == "invalid_format")
            #expect(detail == Self.detail)
            #expect(pipeline.graph.requests().isEmpty)
        }
    }

    @Test("a network failure is not a refusal: an allowed host that does not answer leaves the size to Graph")
    func networkFailureIsNotRefusal() async throws {
        let closed = try FreePort.next()
        let policy = AddressPolicy(allowedForTesting: [.init(address: IPAddress(127, 0, 0, 1), port: closed)])
        try await SendPipelineTests.withPipeline(urlPolicy: policy) { pipeline in
            try pipeline.addCustomer("n1")
            let id = try pipeline.send(#"{"image":{"url":"http://127.0.0.1:\#(closed)/a.png"}}"#, to: "n1")
            try await pipeline.waitForFinal([id])
            #expect(try pipeline.status(id).status == "sent")
            #expect(pipeline.graph.requests().count == 1)
        }
    }

    @Test(
        "the size check's configuration: the policy on every connection and at most 3 redirects, whatever it was given")
    func sizeProbeConfiguration() {
        var settings = SendWorker.Configuration(
            graphURL: "http://127.0.0.1:9", graphVersion: "v25.0", appSecret: nil,
            sizeProbe: CurlConfiguration(followRedirects: true, maxRedirects: 10, proxy: "http://proxy.invalid:3128"))
        #expect(settings.urlPolicy == .publicOnly)
        #expect(settings.guardedSizeProbe.addressPolicy == .publicOnly)
        #expect(settings.guardedSizeProbe.maxRedirects == 3)
        settings.urlPolicy = .anyAddress
        #expect(settings.guardedSizeProbe.addressPolicy == .anyAddress)
        #expect(SendWorker.Configuration.defaultSizeProbe.maxRedirects == 3)
    }

    /// A URL on `server` that answers 302 to `location`.
    static func redirect(from server: RecordingHTTPServer, to location: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=?/:")
        return server.url("/hop.bin?redirect=\(location.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")")
    }
}
