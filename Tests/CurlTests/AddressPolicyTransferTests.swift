import Curl
import Testing

/// `CurlConfiguration.addressPolicy` on real transfers: libcurl's open-socket callback refuses
/// the address before any connection, on every redirect hop, and no proxy is used. Every server
/// is on 127.0.0.1; a refused URL is shown to reach it when the policy allows it.
@Suite("CurlEasy with an address policy")
struct AddressPolicyTransferTests {
    /// Public addresses only, with a short timeout so nothing here waits long.
    static func guarded(_ policy: AddressPolicy = .publicOnly, followRedirects: Bool = false) -> CurlConfiguration {
        CurlConfiguration(
            connectTimeout: .seconds(5), totalTimeout: .seconds(20), followRedirects: followRedirects, maxRedirects: 3,
            addressPolicy: policy)
    }

    static func loopback(port: Int) -> AddressPolicy.Endpoint {
        AddressPolicy.Endpoint(address: IPAddress(127, 0, 0, 1), port: port)
    }

    /// Hosts that all lead to the test server on 127.0.0.1 (IPv4-mapped, 0.0.0.0, the name
    /// `localhost`, and the integer, hex, octal and short spellings of 127.0.0.1).
    static let loopbackHosts = [
        "127.0.0.1", "[::ffff:127.0.0.1]", "0.0.0.0", "localhost", "2130706433", "0x7f.1", "017700000001", "127.1",
    ]

    @Test(
        "a loopback URL in any spelling is refused with addressRefused and the server sees no connection",
        arguments: loopbackHosts)
    func refused(host: String) async throws {
        try await TestHTTPServer.with { server in
            let url = "http://\(host):\(server.port)/hello"
            let result = await perform(HTTPRequest(method: .head, url: url), configuration: Self.guarded())
            let error = try #require(result.failure, "\(url) was fetched")
            #expect(error.code == .addressRefused, "\(error)")
            #expect(error.isAddressRefused)
            #expect(!error.isConnectionFailure)
            #expect(error.message.contains("not a publicly reachable address"), "\(error)")
            #expect(server.connectionCount == 0)
        }
    }

    @Test("the same URLs reach the server when the policy allows private addresses", arguments: loopbackHosts)
    func allowedWhenPrivateAllowed(host: String) async throws {
        try await TestHTTPServer.with { server in
            let url = "http://\(host):\(server.port)/hello"
            let response = try await perform(
                HTTPRequest(method: .head, url: url), configuration: Self.guarded(.anyAddress)
            ).get()
            #expect(response.status == 200)
            #expect(server.connectionCount == 1)
        }
    }

    @Test(
        "other local addresses are refused without a connection attempt",
        arguments: ["http://[::1]:9/", "http://127.0.0.2:9/", "http://[::]:9/", "http://0:9/", "http://localhost:9/"])
    func refusedWithoutTrying(url: String) async throws {
        // Port 9 (discard), where nothing listens: had libcurl tried to connect, the error would be
        // a connection failure, not addressRefused. (Only addresses of this machine: the
        // classifier's own tests cover the rest without any transfer.)
        let result = await perform(HTTPRequest(method: .head, url: url), configuration: Self.guarded())
        let error = try #require(result.failure)
        #expect(error.code == .addressRefused, "\(error)")
    }

    @Test("an endpoint allowed for testing is reached; the same address on another port is not")
    func allowedForTesting() async throws {
        try await TestHTTPServer.with { allowed in
            try await TestHTTPServer.with { other in
                let policy = AddressPolicy(allowedForTesting: [Self.loopback(port: allowed.port)])
                let response = try await perform(
                    HTTPRequest(url: allowed.url("/hello")), configuration: Self.guarded(policy)
                ).get()
                #expect(response.text == "hello world")
                let refused = await perform(HTTPRequest(url: other.url("/hello")), configuration: Self.guarded(policy))
                #expect(refused.failure?.code == .addressRefused)
                #expect(other.connectionCount == 0)
            }
        }
    }

    @Test("a redirect from an allowed host to a loopback one is refused: the first hop is made, the second never")
    func redirectToLoopbackRefused() async throws {
        try await TestHTTPServer.with { allowed in
            try await TestHTTPServer.with { target in
                let policy = AddressPolicy(allowedForTesting: [Self.loopback(port: allowed.port)])
                for location in [target.url("/hello"), "http://localhost:\(target.port)/hello"] {
                    let result = await perform(
                        HTTPRequest(method: .head, url: allowed.url("/redirect-to?\(location)")),
                        configuration: Self.guarded(policy, followRedirects: true))
                    #expect(result.failure?.code == .addressRefused, "\(location): \(result)")
                }
                #expect(allowed.connectionCount >= 1)
                #expect(target.connectionCount == 0)
                // Within the allowed host, redirects are followed as before.
                let response = try await perform(
                    HTTPRequest(url: allowed.url("/redirect")),
                    configuration: Self.guarded(policy, followRedirects: true)
                ).get()
                #expect(response.text == "hello world")
            }
        }
    }

    @Test("at most maxRedirects redirects are followed")
    func redirectLimit() async throws {
        try await TestHTTPServer.with { server in
            let policy = AddressPolicy(allowedForTesting: [Self.loopback(port: server.port)])
            let configuration = Self.guarded(policy, followRedirects: true)
            let three = try await perform(HTTPRequest(url: server.url("/hops/3")), configuration: configuration).get()
            #expect(three.text == "arrived")
            let four = await perform(HTTPRequest(url: server.url("/hops/4")), configuration: configuration)
            #expect(four.failure?.code == .tooManyRedirects)
        }
    }

    @Test("with an address policy no proxy is used, so the checked address is the one connected")
    func noProxy() async throws {
        try await TestHTTPServer.with { server in
            // Nothing listens on port 9 here: a request through this proxy fails to connect.
            let proxy = "http://127.0.0.1:9"
            let unguarded = CurlConfiguration(totalTimeout: .seconds(20), proxy: proxy)
            let throughProxy = await perform(HTTPRequest(url: server.url("/hello")), configuration: unguarded)
            #expect(throughProxy.failure?.isConnectionFailure == true, "\(throughProxy)")
            var guarded = Self.guarded(AddressPolicy(allowedForTesting: [Self.loopback(port: server.port)]))
            guarded.proxy = proxy
            let direct = try await perform(HTTPRequest(url: server.url("/hello")), configuration: guarded).get()
            #expect(direct.text == "hello world")
        }
    }

    @Test("a handle keeps its policy across requests and still reaches allowed hosts")
    func reusedHandle() async throws {
        try await TestHTTPServer.with { server in
            let policy = AddressPolicy(allowedForTesting: [Self.loopback(port: server.port)])
            let results = await performInOrder(
                [
                    HTTPRequest(url: server.url("/hello")),
                    HTTPRequest(url: "http://127.0.0.2:\(server.port)/hello"),
                    HTTPRequest(url: server.url("/n/2")),
                ],
                configuration: Self.guarded(policy))
            #expect((try? results[0].get())?.text == "hello world")
            #expect(results[1].failure?.code == .addressRefused)
            #expect((try? results[2].get())?.text == "2")
        }
    }
}
