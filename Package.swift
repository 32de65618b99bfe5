// swift-tools-version:6.2
// Herald: the backend between Facebook Messenger and a customer-support team.
// Targets follow docs/design.md's module table; imports only point down it.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "herald",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "herald", targets: ["HeraldCLI"]),
        .executable(name: "fake-graph", targets: ["FakeGraphCLI"]),
        .executable(name: "herald-bench", targets: ["HeraldBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through Hummingbird: its HTTP part types, for the webhook fast path.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        // Tests only: reads docs/openapi.yaml for the contract test.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // C libraries, wrapped once.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // Safe, app-agnostic Swift layers over them.
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Curl",
            dependencies: ["CCurl"],
            swiftSettings: strict
        ),

        // Facebook's protocol, no I/O.
        .target(
            name: "Messenger",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),

        // The job engine on Postgres.
        .target(
            name: "JobQueue",
            dependencies: [
                "Postgres", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),

        // The product: pages, customers, messages, statuses, notifications, and their SQL.
        .target(
            name: "HeraldCore",
            dependencies: [
                "Postgres", "JobQueue", "Messenger", "Curl", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // Job handlers and worker loops.
        .target(
            name: "Workers",
            dependencies: [
                "HeraldCore", "JobQueue", "Postgres", "Messenger", "Curl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // HTTP gateway.
        .target(
            name: "Gateway",
            dependencies: [
                "Postgres", "Messenger", "HeraldCore", "Curl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                // HTTPParserError only: a request cut mid-body is the client's doing, not a 500.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Compiled into the binary, so a deployed `herald` needs no files beside it.
            resources: [
                .embedInCode("Static/console.html"), .embedInCode("Static/console.css"),
                .embedInCode("Static/openapi.yaml"),
                // The console's ES modules, served under /console/ by file name (StaticRoutes).
                .embedInCode("Static/console/console.js"), .embedInCode("Static/console/api.js"),
                .embedInCode("Static/console/stream.js"), .embedInCode("Static/console/conversation-list.js"),
                .embedInCode("Static/console/conversation.js"), .embedInCode("Static/console/message-view.js"),
                .embedInCode("Static/console/composer.js"), .embedInCode("Static/console/customer-panel.js"),
                .embedInCode("Static/console/people.js"), .embedInCode("Static/console/dom.js"),
                .embedInCode("Static/console/state.js"),
            ],
            swiftSettings: strict
        ),

        // The composition root: builds serve / work / run from a configuration value. The CLI
        // and the end-to-end tests both use it.
        .target(
            name: "HeraldApp",
            dependencies: [
                "Postgres", "Curl", "Gateway", "Workers", "HeraldCore", "JobQueue",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // The `herald` executable: the only place that reads the environment.
        .executableTarget(
            name: "HeraldCLI",
            dependencies: [
                "HeraldApp", "Postgres", "HeraldCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),

        // A stand-in for the Graph API (tests, demo, benchmarks): the server, and its executable.
        .target(
            name: "FakeGraph",
            dependencies: [
                "Messenger",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        // Benchmark tools that need Herald's code; not in the production executable.
        .executableTarget(
            name: "HeraldBench",
            dependencies: [
                "JobQueue", "Postgres", "HeraldCore", "Messenger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "FakeGraphCLI",
            dependencies: [
                "FakeGraph",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),

        .testTarget(
            name: "FakeGraphTests",
            dependencies: [
                "FakeGraph", "Messenger", "Curl", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JobQueueTests",
            dependencies: ["JobQueue", "Postgres", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CurlTests",
            dependencies: [
                "Curl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MessengerTests",
            dependencies: ["Messenger", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Messenger", "Postgres", "Curl", "TestSupport", "HeraldCore", "Workers", "FakeGraph",
                "HeraldApp",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HeraldCoreTests",
            dependencies: [
                "HeraldCore", "Messenger", "Postgres", "JobQueue", "TestSupport", "Curl",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkersTests",
            dependencies: [
                "Workers", "HeraldCore", "Messenger", "Postgres", "JobQueue", "TestSupport", "FakeGraph", "Curl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The whole stack: the `herald` executable as a child process, or HeraldApp's composition.
        .testTarget(
            name: "HeraldEndToEndTests",
            dependencies: [
                "HeraldApp", "Workers", "HeraldCore", "Messenger", "Postgres", "JobQueue", "TestSupport", "FakeGraph",
                "Curl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RepositoryTests",
            dependencies: ["TestSupport"],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Postgres", "HeraldCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
    ]
)
