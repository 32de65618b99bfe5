import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@Suite("LISTEN/NOTIFY and recovery from a server restart", .onTestThreads)
struct RecoveryAndListenTests {
    @Test("a listener receives a NOTIFY sent from another connection")
    func listenNotify() async throws {
        let channel = "herald_test_\(UInt32.random(in: 0...UInt32.max))"
        let listener = PostgresListener(
            configuration: try TestDatabase.configuration(), channels: [channel], logger: Logger(label: "test"))
        listener.start()
        defer { listener.stop() }
        await listener.waitUntilListening()

        let events = Collected(listener.events)
        let sender = try PostgresConnection(configuration: TestDatabase.configuration())
        try sender.notify(channel: channel, payload: "hello ü")
        try await waitUntil("the notification arrives") { !events.elements.isEmpty }
        #expect(
            events.elements == [
                .notification(.init(channel: channel, payload: "hello ü", senderPID: sender.backendPID))
            ])
    }

    @Test("after the server restarts, the pool's next query succeeds and the listener listens again")
    func restart() async throws {
        let cluster = try TestCluster(name: "restart")
        // Stopped afterwards so no server outlives the test run (its folder is kept for the next).
        defer { try? cluster.stop() }
        let pool = PostgresPool(configuration: cluster.configuration, logger: Logger(label: "test"))
        defer { pool.close() }
        let listener = PostgresListener(
            configuration: cluster.configuration, channels: ["herald_restart"], logger: Logger(label: "test"))
        listener.start()
        defer { listener.stop() }
        await listener.waitUntilListening()

        let events = Collected(listener.events)
        let before = try await pool.withConnection { $0.backendPID }
        try cluster.restart()

        // The idle pooled connection was closed by the server; the pool must notice and reconnect.
        let after = try await pool.withConnection { connection in
            (connection.backendPID, try connection.query("SELECT 42")[0].decode(0, as: Int.self))
        }
        #expect(after.1 == 42)
        #expect(after.0 != before)

        try await waitUntil("the listener reconnects") { events.elements.contains(.reconnected) }
        #expect(events.elements.first == .reconnected)
        try await pool.withConnection { try $0.notify(channel: "herald_restart", payload: "again") }
        try await waitUntil("the notification after the restart") { events.elements.count >= 2 }
        guard case .notification(let notification)? = events.elements.dropFirst().first else {
            Issue.record("expected a notification, got \(events.elements)")
            return
        }
        #expect(notification.payload == "again")
    }

    @Test("a query on a pool whose server is down fails with a connection error, then works once it is back")
    func downThenUp() async throws {
        let cluster = try TestCluster(name: "down-up")
        defer { try? cluster.stop() }
        let pool = PostgresPool(configuration: cluster.configuration, logger: Logger(label: "test"))
        defer { pool.close() }
        try await pool.query("SELECT 1")
        try cluster.stop()
        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error?.isConnectionError == true)
        try cluster.start()
        #expect(try await pool.query("SELECT 7")[0].decode(0, as: Int.self) == 7)
    }
}
