import ArgumentParser

/// The `herald` executable.
@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "The backend between Facebook Messenger and a customer-support team.",
        discussion: Setting.helpText(for: .all),
        subcommands: [Migrate.self, Serve.self, Work.self, Run.self, Replay.self, Status.self]
    )
}
