import Foundation

/// Runs a program to completion with `posix_spawn` + `waitpid`.
///
/// Foundation's `Process.waitUntilExit` was seen to hang on Linux when the child starts a daemon
/// (as `scripts/db start` does), so tests use this plain POSIX path instead.
public enum ChildProcess {
    public struct SpawnFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Returns the exit status and everything the program wrote to stdout and stderr.
    public static func run(
        _ path: String, _ arguments: [String], environment: [String: String]
    ) throws -> (status: Int32, output: String) {
        let running = try start(path, arguments, environment: environment)
        defer { try? FileManager.default.removeItem(atPath: running.logPath) }
        let status = running.wait()
        return (status, running.output)
    }
}

extension ChildProcess {
    /// A program running in the background; its output goes to `logPath`.
    public struct Running: Sendable {
        public let pid: pid_t
        public let logPath: String

        /// Sends `signal` (SIGKILL to simulate a crash, SIGTERM to stop) and reaps the process.
        public func stop(signal: Int32 = SIGTERM) {
            kill(pid, signal)
            _ = wait()
        }

        /// Waits for the process to end; returns its exit status (128 + signal when killed).
        @discardableResult
        public func wait() -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
            return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }

        /// Waits up to `timeout` for the process to end, without blocking a thread; its exit status,
        /// or nil while it still runs.
        public func exitStatus(within timeout: Duration) async -> Int32? {
            let deadline = ContinuousClock.now + timeout
            while true {
                var status: Int32 = 0
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
                if reaped < 0 && errno != EINTR { return nil }
                if ContinuousClock.now >= deadline { return nil }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }

        public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    }

    /// Starts a program without waiting for it.
    public static func start(_ path: String, _ arguments: [String], environment: [String: String]) throws -> Running {
        let logPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("herald-child-\(UUID().uuidString).log").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw SpawnFailed(description: "cannot start \(path): errno \(spawned)") }
        return Running(pid: pid, logPath: logPath)
    }
}
