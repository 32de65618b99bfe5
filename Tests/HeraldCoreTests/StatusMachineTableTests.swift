import Foundation
import HeraldCore
import Messenger
import Postgres
import TestSupport
import Testing

/// Every stored outbound status × every event that moves messages, through the real SQL of
/// `SendAttempts`, `IngestStore`, `OutboundStore`, `PageStore` and `BlockedURLs`. Each cell is a
/// message of its own (its own page, customer and URL) in one schema; the expectation is the
/// stored status, `display_status` as `/v1` shows it, and the `message_attempts` rows the event
/// added. Written as database strings, so the table outlives a move of the statuses to enums.
@Suite("Status machine: every status × every event over the real SQL")
struct StatusMachineTableTests {
    /// A message's starting point: status, and failure reason when failed.
    enum State: String, CaseIterable, Sendable {
        case queued, sending, resend, sent, delivered, seen
        case failedGraph = "failed/graph_unavailable"
        case failedToken = "failed/token_expired"
        case failedURL = "failed/url_blacklisted"
    }

    enum Event: String, CaseIterable, Sendable {
        case start, graphOK, transient, finalFailure, precheckFailure, echo, delivery, read
        case resend, reconnect, urlRelease, probe, abandon
    }

    /// `status display [attempt outcomes]`; display `-` is none.
    struct Outcome: Equatable, CustomStringConvertible {
        var status: String
        var display: String
        var attempts: [String] = []

        var description: String { "\(status) \(display) \(attempts)" }
    }

    /// The expected outcome of `event` on a message in `state`.
    static func expected(_ state: State, _ event: Event) -> Outcome {
        let unchanged = Outcome(status: stored(state), display: display(state))
        let pending: Set<State> = [.queued, .sending, .resend]
        switch event {
        case .start:
            switch state {
            case .queued, .sending: return Outcome(status: "sending", display: "sending")
            case .resend: return Outcome(status: "resend", display: "resend")
            default: return unchanged
            }
        case .graphOK:
            return pending.contains(state) ? Outcome(status: "sent", display: "sent", attempts: ["sent"]) : unchanged
        case .transient:
            switch state {
            case .queued, .sending:
                return Outcome(status: "queued", display: "sending", attempts: ["retry:graph_unavailable"])
            case .resend: return Outcome(status: "resend", display: "resend", attempts: ["retry:graph_unavailable"])
            default: return unchanged
            }
        case .finalFailure:
            return pending.contains(state)
                ? Outcome(status: "failed", display: "failed", attempts: ["failed:recipient_unavailable"]) : unchanged
        case .precheckFailure:
            return pending.contains(state)
                ? Outcome(status: "failed", display: "failed", attempts: ["failed:token_expired"]) : unchanged
        case .echo:
            // The echo of Herald's own send settles a message that has no mid yet.
            return pending.contains(state) || state == .failedGraph
                ? Outcome(status: "sent", display: "sent", attempts: ["sent:echo"]) : unchanged
        case .delivery:
            return state == .sent ? Outcome(status: "delivered", display: "sent") : unchanged
        case .read:
            return [.sent, .delivered].contains(state) ? Outcome(status: "seen", display: "seen") : unchanged
        case .resend:
            // Allowed now only for graph_unavailable; the others wait for their condition.
            return state == .failedGraph ? Outcome(status: "resend", display: "resend") : unchanged
        case .reconnect:
            return state == .failedToken ? Outcome(status: "resend", display: "resend") : unchanged
        case .urlRelease, .probe:
            return state == .failedURL ? Outcome(status: "resend", display: "resend") : unchanged
        case .abandon:
            return pending.contains(state)
                ? Outcome(status: "failed", display: "failed", attempts: ["failed:graph_unavailable"]) : unchanged
        }
    }

    static func stored(_ state: State) -> String { String(state.rawValue.prefix { $0 != "/" }) }

    static func display(_ state: State) -> String {
        switch state {
        case .queued, .sending: "sending"
        case .resend: "resend"
        case .sent, .delivered: "sent"
        case .seen: "seen"
        case .failedGraph, .failedToken, .failedURL: "failed"
        }
    }

    @Test("each cell ends in the status, display status and attempt rows of the table")
    func table() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try StatusMachineHarness(schema)
            var cell = 0
            for state in State.allCases {
                for event in Event.allCases {
                    cell += 1
                    let message = try harness.make(state, cell: cell)
                    try harness.apply(event, to: message)
                    let outcome = try harness.outcome(of: message)
                    #expect(outcome == Self.expected(state, event), "\(state.rawValue) × \(event.rawValue)")
                    // Every move the SQL made is one the transition table allows.
                    let before = try #require(MessageStatus(rawValue: Self.stored(state)))
                    let after = try #require(MessageStatus(rawValue: outcome.status))
                    #expect(before.mayBecome(after), "\(state.rawValue) × \(event.rawValue): \(before) → \(after)")
                }
            }
            #expect(cell == State.allCases.count * Event.allCases.count)
        }
    }

    /// The 'quoted' strings of a SQL list.
    private func quoted(_ text: Substring) -> [String] {
        text.split(separator: "'", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test("the table covers every outbound status the schema allows")
    func coversSchema() throws {
        let sql = try String(
            contentsOf: RepositoryPaths.sql.appendingPathComponent("0001_initial.sql"), encoding: .utf8)
        let check = try #require(sql.range(of: "status             text NOT NULL CHECK (status IN"))
        let list = sql[check.upperBound...].prefix { $0 != ")" }
        let statuses = Set(quoted(list))
        #expect(statuses == Set(State.allCases.map(Self.stored)).union(["received"]))
        #expect(statuses == Set(MessageStatus.allCases.map(\.rawValue)))
        #expect(Set(MessageStatus.transitions.keys) == Set(MessageStatus.allCases))
        let reasons = try #require(sql.range(of: "failure_reason     text CHECK (failure_reason IN ("))
        let reasonList = sql[reasons.upperBound...].prefix { $0 != ")" }
        let stored = Set(quoted(reasonList))
        #expect(stored == Set(FailureReason.allCases.map(\.rawValue)))
    }
}
