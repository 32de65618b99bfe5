import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// "Only the latest successful message shows a status" exists as a Swift rule
/// (`DisplayStatus.latestSuccessful`) and as an SQL ordering (`DisplayStatus.latestSuccessfulOrder`,
/// used by the conversation read and the change stream). Generated conversations — every status,
/// ties and missing `sent_at` included — must get the same answer from all three.
@Suite("Latest successful message: the Swift rule and the SQL agree")
struct LatestSuccessfulMatrixTests {
    /// A small deterministic generator, so a failure is reproducible.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("200 generated conversations")
    func generated() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            var random = Generator(state: 42)
            let base = Date(timeIntervalSince1970: 1_790_000_000)
            let outbound = MessageStatus.allCases.filter { $0 != .received }
            var compared = 0
            for conversation in 0..<200 {
                let psid = "latest-\(conversation)"
                var candidates: [DisplayStatus.Candidate] = []
                for _ in 0..<(1 + random.next(6)) {
                    let inbound = random.next(5) == 0
                    let status = inbound ? MessageStatus.received : outbound[random.next(outbound.count)]
                    // Few distinct times, so ties and missing ones are common.
                    let sentAt: Date? = random.next(4) == 0 ? nil : base.addingTimeInterval(Double(random.next(3)))
                    let id = try connection.query(
                        """
                        INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason, sent_at)
                        VALUES ($1, $2, $3, $4, '{"text":"x"}', $5, $6, $7) RETURNING id
                        """,
                        [
                            WebhookBuilder.page, psid, inbound ? "inbound" : "outbound",
                            inbound ? "customer" : "supporter",
                            status.rawValue, status == .failed ? "unknown" : nil, sentAt,
                        ])[0].decode(0, as: Int64.self)
                    candidates.append(
                        .init(id: id, direction: inbound ? .inbound : .outbound, status: status, sentAt: sentAt))
                }
                let expected = DisplayStatus.latestSuccessful(among: candidates)
                let paging = try #require(Paging(limit: 50))
                let page = try #require(
                    try ReadStore().conversation(
                        pageID: WebhookBuilder.page, psid: psid, paging: paging, now: base, on: connection))
                let shownByRead = page.messages.filter { $0.displayStatus == .sent || $0.displayStatus == .seen }.map(
                    \.id)
                let byStream = try ReadStore().messages(ids: candidates.map(\.id), now: base, on: connection)
                let shownByStream = byStream.values.filter { $0.displayStatus == .sent || $0.displayStatus == .seen }
                    .map(\.id)
                #expect(shownByRead == (expected.map { [$0] } ?? []), "conversation \(conversation): \(candidates)")
                #expect(shownByStream == (expected.map { [$0] } ?? []), "conversation \(conversation): \(candidates)")
                compared += 1
            }
            #expect(compared == 200)
        }
    }
}
