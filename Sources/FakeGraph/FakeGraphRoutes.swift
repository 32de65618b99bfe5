import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Messenger
import NIOCore

/// The Graph routes (`POST /{version}/{page}/messages`, `GET /{version}/me`, `GET /{version}/{psid}`,
/// `POST /{version}/{page}/subscribed_apps`) and the recording routes under `/_fake`.
struct FakeGraphRoutes: Sendable {
    let configuration: FakeGraphConfiguration
    let recorder: FakeGraphRecorder
    let logger: Logger

    static let usageHeader = HTTPField.Name("X-Business-Use-Case-Usage")!
    /// What every Graph request gets during `POST /_fake/outage`.
    static let outage = FakeGraphScenario(name: "outage", behaviour: .fail(.temporary))

    func add<Context: RequestContext>(to router: Router<Context>) {
        // `POST /{version}/{page}/messages` is answered before the router (FakeGraphSendChannelHandler).
        router.get(":version/me") { request, _ in await me(request) }
        // The PSID sits where `subscribed_apps` has its page id: one parameter name for both (the router's rule).
        router.get(":version/:page") { request, context in
            await profile(
                request, version: context.parameters.get("version") ?? "", psid: context.parameters.get("page") ?? "")
        }
        router.post("_fake/profiles") { request, _ in try await scriptProfile(request) }
        router.get("_fake/profile-requests") { _, _ in Self.json(try Self.encoder.encode(recorder.profiles.calls())) }
        router.post(":version/:page/subscribed_apps") { request, context in
            let parameters = context.parameters
            return try await subscribe(
                request, version: parameters.get("version") ?? "", page: parameters.get("page") ?? "")
        }
        router.get("_fake/requests") { request, _ in
            let recipient = request.uri.queryParameters["recipient"].map(String.init)
            let endpoint = request.uri.queryParameters["endpoint"].map(String.init)
            let sends = recorder.sends().filter {
                (recipient == nil || $0.recipient == recipient) && (endpoint == nil || $0.endpoint == endpoint)
            }
            return Self.json(try Self.encoder.encode(sends))
        }
        router.delete("_fake/requests") { _, _ in
            recorder.clear()
            return Response(status: .noContent)
        }
        router.get("_fake/stats") { _, _ in Self.json(try Self.encoder.encode(recorder.stats())) }
        router.post("_fake/allowed-urls") { request, _ in try await allow(request) }
        router.get("_fake/allowed-urls") { _, _ in Self.json(try Self.encoder.encode(["urls": recorder.allowedURLs()]))
        }
        router.post("_fake/outage") { request, _ in
            guard let seconds = request.uri.queryParameters["seconds"].flatMap({ Double(String($0)) }), seconds >= 0,
                seconds <= 86_400
            else { return Self.problem("seconds must be a number of seconds between 0 and 86400") }
            recorder.startOutage(for: .milliseconds(Int64(seconds * 1000)))
            return Response(status: .noContent)
        }
        router.delete("_fake/outage") { _, _ in
            recorder.startOutage(for: .zero)
            return Response(status: .noContent)
        }
        router.head("_fake/files/:name") { request, context in Self.file(request, context) }
    }

    /// A stand-in file host for Herald's HEAD size check, so tests and the demo stay on
    /// loopback: `HEAD /_fake/files/{name}?bytes=N` answers 200 with `Content-Length: N` (there is
    /// no GET: nothing is ever downloaded); `&redirect=1` first answers 302 to the same URL
    /// without it, as CDNs do.
    private static func file(_ request: Request, _ context: some RequestContext) -> Response {
        let query = request.uri.queryParameters
        guard let bytes = query["bytes"].flatMap({ Int(String($0)) }), bytes >= 0 else {
            return problem("bytes must be a non-negative integer")
        }
        if query["redirect"] == "1" {
            let name = context.parameters.get("name") ?? ""
            return Response(status: .found, headers: [.location: "/_fake/files/\(name)?bytes=\(bytes)"])
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream", .contentLength: "\(bytes)"])
    }

    /// `POST /_fake/allowed-urls` `{"url": "..."}`: Graph stops refusing that URL.
    private func allow(_ request: Request) async throws -> Response {
        struct Body: Decodable { var url: String }
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)), !body.url.isEmpty
        else {
            return Self.problem(#"body must be {"url": "<non-empty string>"}"#)
        }
        recorder.allow(url: body.url)
        return Response(status: .noContent)
    }

    private static func problem(_ message: String) -> Response {
        Response(
            status: .badRequest, headers: [.contentType: "application/json; charset=UTF-8"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"error":\#(quoted(message))}"#)))
    }

    /// The Send API: token first (as Graph), then the body, then the scripted scenario. Answered
    /// on the connection's event loop by `FakeGraphSendChannelHandler`, which adds the latency.
    func send(version: String, page: String, accessToken token: String?, appsecretProof: Bool, body: [UInt8])
        -> FakeGraphAnswer
    {
        let tokenScenario = recorder.inOutage() ? Self.outage : FakeGraphScenario.forToken(token)
        let parsed = SendRequest.parse(body)

        var record = ReceivedSend(
            sequence: 0, time: Self.now(), page: page, version: version,
            tokenScenario: tokenScenario == .ok ? "valid" : tokenScenario.name,
            appsecretProof: appsecretProof, scenario: tokenScenario.name, outcome: "ok", status: 200,
            tokenDigest: token.map(ReceivedSend.tokenDigest(of:)))
        let failure: FakeGraphFailure?
        switch (tokenScenario.resolve(attempt: 1), parsed) {
        case (let tokenFailure?, _):
            failure = tokenFailure
            if case .success(let send) = parsed { record.fill(from: send) }
        case (nil, .failure(let rejection)):
            failure = rejection.failure
            record.fill(from: rejection.partial)
            record.scenario = rejection.failure.rawValue
        case (nil, .success(let send)):
            record.fill(from: send)
            let scenario = FakeGraphScenario.forSend(
                send.scenarioInput(accessToken: token, allowedURLs: recorder.allowedURLs()))
            record.scenario = scenario.name
            // Only flaky recipients need counting; everything else answers the same every time.
            let attempt = if case .failFirst = scenario.behaviour { recorder.attempt(key: send.recipient) } else { 1 }
            failure = scenario.resolve(attempt: attempt)
        }

        let answer: FakeGraphAnswer
        if let failure {
            answer = .failure(failure, pageID: configuration.pageID)
        } else {
            let recipient = record.recipient ?? ""
            if record.senderAction != nil && record.text == nil && record.attachmentType == nil {
                // Sender actions (typing_on, mark_seen) get no message id.
                answer = .json(#"{"recipient_id":\#(Self.quoted(recipient))}"#)
            } else {
                let messageID = recorder.newMessageID()
                record.messageID = messageID
                answer = .json(#"{"recipient_id":\#(Self.quoted(recipient)),"message_id":\#(Self.quoted(messageID))}"#)
            }
        }
        record.outcome = failure?.rawValue ?? "ok"
        record.status = answer.status
        recorder.record(record)
        logger.debug(
            "send answered",
            metadata: [
                "fakegraph.scenario": .string(record.scenario), "fakegraph.outcome": .string(record.outcome),
                "fakegraph.status": .stringConvertible(record.status),
            ])
        return answer
    }

    /// `GET /me`: Herald checks a token with it when a page is connected.
    func me(_ request: Request) async -> Response {
        let scenario = recorder.inOutage() ? Self.outage : FakeGraphScenario.forToken(Self.accessToken(request))
        let failure = scenario.resolve(attempt: 1)
        await applyLatency()
        logger.debug("me answered", metadata: ["fakegraph.outcome": .string(failure?.rawValue ?? "ok")])
        if let failure { return FakeGraphAnswer.failure(failure, pageID: configuration.pageID).response }
        return Self.json(
            #"{"id":\#(Self.quoted(configuration.pageID)),"name":\#(Self.quoted(configuration.pageName))}"#)
    }

    /// `POST /{version}/{page}/subscribed_apps`: subscribes the app to the page's webhooks. The token
    /// first (as Graph), then `subscribed_fields` (query, or an `application/x-www-form-urlencoded`
    /// body), then the scripted scenario (``FakeGraphScenario/subscriptionTable``). Answers
    /// `{"success": true}` and records the call.
    func subscribe(_ request: Request, version: String, page: String) async throws -> Response {
        let token = Self.accessToken(request)
        let body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        let fields = Self.subscribedFields(
            query: request.uri.queryParameters["subscribed_fields"].map(String.init), body: String(buffer: body))
        let scenario = recorder.inOutage() ? Self.outage : FakeGraphScenario.forSubscription(token)
        let tokenScenario = FakeGraphScenario.forToken(token)
        var record = ReceivedSend(
            sequence: 0, time: Self.now(), page: page, version: version,
            tokenScenario: tokenScenario == .ok ? "valid" : tokenScenario.name,
            appsecretProof: request.uri.queryParameters["appsecret_proof"] != nil, scenario: scenario.name,
            outcome: "ok",
            status: 200, endpoint: ReceivedSend.subscribedApps, subscribedFields: fields,
            tokenDigest: token.map(ReceivedSend.tokenDigest(of:)))
        let failure: FakeGraphFailure?
        if scenario != .ok && !scenario.name.hasPrefix("subscribe-") {
            // The token (or an outage) first, as Graph checks the token before the parameters.
            failure = scenario.resolve(attempt: 1)
        } else if fields == nil {
            failure = .missingSubscribedFields
        } else if case .failFirst = scenario.behaviour, let token {
            // Counted per page and token; the token itself is kept only as a digest.
            let digest = ReceivedSend.tokenDigest(of: token)
            failure = scenario.resolve(
                attempt: recorder.attempt(key: "\(ReceivedSend.subscribedApps)|\(page)|\(digest)"))
        } else {
            failure = scenario.resolve(attempt: 1)
        }
        let answer =
            failure.map { FakeGraphAnswer.failure($0, pageID: configuration.pageID) } ?? .json(#"{"success":true}"#)
        record.outcome = failure?.rawValue ?? "ok"
        record.status = answer.status
        recorder.record(record)
        await applyLatency()
        logger.debug(
            "subscription answered",
            metadata: ["fakegraph.scenario": .string(record.scenario), "fakegraph.outcome": .string(record.outcome)])
        return answer.response
    }

    /// `subscribed_fields` from the query, else from a form body; nil when absent or empty.
    static func subscribedFields(query: String?, body: String) -> [String]? {
        var value = query
        if value == nil {
            for pair in body.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0] == "subscribed_fields" else { continue }
                value = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
        }
        let fields = (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return fields.isEmpty ? nil : fields
    }

    func applyLatency() async {
        // Task.sleep suspends the handler only; the event loop keeps serving other requests.
        guard configuration.latency > .zero else { return }
        try? await Task.sleep(for: configuration.latency)
    }

    /// The token, or `nil` when absent or empty. Never logged or stored.
    private static func accessToken(_ request: Request) -> String? {
        accessToken(request.uri)
    }

    static func accessToken(_ uri: URI) -> String? {
        guard let token = uri.queryParameters["access_token"], !token.isEmpty else { return nil }
        return String(token)
    }

    /// Now, in whole milliseconds like Graph's timestamps, so the JSON listing decodes to equal values.
    static func now() -> Date {
        Date(timeIntervalSince1970: Double(Int64((Date().timeIntervalSince1970 * 1000).rounded())) / 1000)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Int64((date.timeIntervalSince1970 * 1000).rounded()))
        }
        return encoder
    }()

    /// `value` as a JSON string literal.
    static func quoted(_ value: String) -> String {
        let data = (try? encoder.encode(value)) ?? Data(#""""#.utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func json(_ text: String) -> Response {
        json(Data(text.utf8))
    }

    static func json(_ data: Data) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=UTF-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension ReceivedSend {
    fileprivate mutating func fill(from send: SendRequest) {
        recipient = send.recipient
        messagingType = send.messagingType
        tag = send.tag
        metadata = send.metadata
        text = send.text
        attachmentType = send.attachmentType
        attachmentURL = send.attachmentURL
        senderAction = send.senderAction
    }

    fileprivate mutating func fill(from partial: SendRequest.Partial) {
        recipient = partial.recipient
        messagingType = partial.messagingType
        tag = partial.tag
    }
}
