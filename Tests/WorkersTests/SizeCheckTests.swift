import Curl
import FakeGraph
import Foundation
import Postgres
import TestSupport
import Testing

/// Files without a declared size, and images, are measured with a HEAD before Graph is called
/// (docs/design.md: `file_too_large` when the HEAD's Content-Length is over 25 MB, images 8 MB).
/// fake-graph's `/_fake/files` is the file host, so the HEADs stay on loopback, which these tests
/// allow as `HERALD_ALLOW_PRIVATE_URLS=true` does (URLSafetyTests: what happens without it).
@Suite("HEAD size check before sending")
struct SizeCheckTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var kind: String
        var bytes: Int
        var redirect: Bool
        var tooLarge: Bool
        var testDescription: String { "\(kind) of \(bytes) bytes\(redirect ? " behind a redirect" : "")" }
    }

    @Test(
        "a HEAD Content-Length over the limit fails file_too_large without calling Graph; at the limit it is sent",
        arguments: [
            Case(kind: "file", bytes: 25 << 20, redirect: false, tooLarge: false),
            Case(kind: "file", bytes: (25 << 20) + 1, redirect: false, tooLarge: true),
            Case(kind: "file", bytes: 30_000_000, redirect: true, tooLarge: true),
            Case(kind: "image", bytes: 8 << 20, redirect: false, tooLarge: false),
            Case(kind: "image", bytes: (8 << 20) + 1, redirect: true, tooLarge: true),
        ])
    func measured(_ sample: Case) async throws {
        try await SendPipelineTests.withPipeline(urlPolicy: .anyAddress) { pipeline in
            try pipeline.addCustomer("sized")
            let url =
                "\(pipeline.graph.baseURL)/_fake/files/\(sample.kind).bin?bytes=\(sample.bytes)\(sample.redirect ? "&redirect=1" : "")"
            let id = try pipeline.send(#"{"\#(sample.kind)":{"url":"\#(url)"}}"#, to: "sized")
            try await pipeline.waitForFinal([id])
            let state = try pipeline.status(id)
            if sample.tooLarge {
                #expect(state.status == "failed")
                #expect(state.reason == "file_too_large")
                let detail = try pipeline.connection.query("SELECT failure_detail FROM messages WHERE id = $1", [id])
                #expect(try detail[0].decode(0, as: String.self).contains("\(sample.bytes)"))
                #expect(pipeline.graph.requests().isEmpty)
            } else {
                #expect(state.status == "sent")
                #expect(pipeline.graph.requests().count == 1)
            }
        }
    }

    @Test("a URL whose server does not answer the HEAD leaves the size to Graph")
    func unmeasured() async throws {
        try await SendPipelineTests.withPipeline(urlPolicy: .anyAddress) { pipeline in
            try pipeline.addCustomer("unsized")
            // Nothing listens on this port (the fake-graph's file host answers 400 without `bytes`,
            // which is not a size either).
            let closed = try FreePort.next()
            let ids = [
                try pipeline.send(#"{"file":{"url":"http://127.0.0.1:\#(closed)/a.zip"}}"#, to: "unsized"),
                try pipeline.send(#"{"image":{"url":"\#(pipeline.graph.baseURL)/_fake/files/b.png"}}"#, to: "unsized"),
            ]
            try await pipeline.waitForFinal(ids)
            #expect(try ids.map { try pipeline.status($0).status } == ["sent", "sent"])
            #expect(pipeline.graph.requests().count == 2)
        }
    }
}
