// swift-tools-version: 6.0
// Fieldgate: firmware for Linux gateway boards in city field equipment, and its simulator.
// No Swift package dependencies: Foundation(Essentials) plus Debian's C libraries through
// systemLibrary shims.
import PackageDescription

// libgpiod's API changed incompatibly in 2.0: Debian 12 (the development machine) has 1.6,
// Debian 13 (the boards) has 2.x. The build says which it compiles against, from
// `pkg-config --modversion libgpiod` (the Makefile and scripts/arm64.sh set it); unset is 1.x.
let libgpiod2 = (Context.environment["FIELDGATE_LIBGPIOD"] ?? "").hasPrefix("2.")
let gpiodSettings: [SwiftSetting] = libgpiod2 ? [.define("FIELDGATE_LIBGPIOD2")] : []

let package = Package(
    name: "Fieldgate",
    products: [
        .executable(name: "fieldgate", targets: ["fieldgate"]),
        .executable(name: "fieldsim", targets: ["fieldsim"]),
        .executable(name: "fieldbench", targets: ["fieldbench"]),
    ],
    targets: [
        // C libraries from Debian: a module map and a one-line header each, nothing else.
        .systemLibrary(name: "CModbus", pkgConfig: "libmodbus", providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt", providers: [.apt(["libcrypt-dev"])]),
        // Plain C loops over libmodbus: the yardstick the benchmarks compare the Swift layers with.
        .target(name: "CModbusBaseline", dependencies: ["CModbus"]),

        // Firmware modules (FoundationEssentials only).
        .target(name: "FieldCore"),
        // The system layer: file descriptors, system errors, threads, the blocking queue, the
        // JSON-lines socket server, child processes. The only module that calls libc (Tests/FieldSystemTests: LibcBoundaryTests).
        .target(name: "FieldSystem", dependencies: ["FieldCore"]),
        .target(name: "FieldHAL", dependencies: ["FieldCore", "FieldSystem", "CModbus", "CGPIOD"], swiftSettings: gpiodSettings),
        .target(name: "FieldDevices", dependencies: ["FieldCore", "FieldSystem", "FieldHAL"]),
        .target(name: "FieldApps", dependencies: ["FieldCore", "FieldDevices"]),
        // Optional uplink to a fire alarm operations centre: GB 26875.3 frames, mapping and link.
        .target(name: "GB26875", dependencies: ["FieldCore", "FieldSystem"]),
        // The runtime, by what it does (docs/architecture.md): storage, the engine, the platform link,
        // and the gateway that wires them and its supervisor.
        .target(name: "FieldStore", dependencies: ["FieldCore", "FieldHAL", "FieldDevices", "FieldSystem", "CSQLite"]),
        .target(name: "FieldEngine", dependencies: ["FieldCore", "FieldHAL", "FieldDevices", "FieldApps", "FieldSystem"]),
        .target(name: "FieldUplink", dependencies: ["FieldCore", "FieldDevices", "FieldSystem", "FieldStore", "FieldEngine", "FieldApps", "CMosquitto"]),
        .target(name: "FieldRuntime", dependencies: ["FieldCore", "FieldHAL", "FieldDevices", "FieldApps", "FieldSystem", "FieldStore", "FieldEngine", "FieldUplink"]),
        .target(name: "FieldConsole", dependencies: ["FieldCore", "FieldSystem", "FieldHAL", "FieldDevices", "FieldRuntime", "CCrypt"]),
        .executableTarget(name: "fieldgate", dependencies: ["FieldCore", "FieldHAL", "FieldDevices", "FieldRuntime", "FieldConsole", "GB26875"]),

        // Host-side tools (may use full Foundation).
        .target(name: "FieldSim", dependencies: ["FieldCore", "FieldSystem", "FieldHAL", "FieldDevices"]),
        .executableTarget(name: "fieldsim", dependencies: ["FieldCore", "FieldSim"]),
        .executableTarget(name: "fieldbench", dependencies: ["FieldCore", "FieldHAL", "FieldDevices", "FieldSim", "FieldRuntime", "CModbusBaseline"]),

        // What the end-to-end, console and runtime tests share: a real `fieldgate run` beside the
        // simulator, a real mosquitto. Used by test targets only.
        .target(name: "FieldTestSupport", dependencies: ["FieldCore", "FieldSim"], path: "Tests/FieldTestSupport"),

        .testTarget(name: "FieldCoreTests", dependencies: ["FieldCore"]),
        .testTarget(name: "FieldSystemTests", dependencies: ["FieldSystem", "FieldCore"]),
        .testTarget(name: "FieldHALTests", dependencies: ["FieldHAL", "FieldCore", "CModbus"], swiftSettings: gpiodSettings),
        .testTarget(name: "FieldDevicesTests", dependencies: ["FieldDevices", "FieldCore", "FieldHAL", "CModbus"]),
        .testTarget(name: "FieldAppsTests", dependencies: ["FieldApps", "FieldCore", "FieldDevices"]),
        .testTarget(name: "GB26875Tests", dependencies: ["GB26875", "FieldCore"]),
        .testTarget(name: "FieldRuntimeTests", dependencies: ["FieldRuntime", "FieldSystem", "FieldStore", "FieldEngine", "FieldUplink", "FieldCore", "FieldHAL", "FieldDevices", "FieldSim", "FieldTestSupport"]),
        .testTarget(name: "FieldConsoleTests", dependencies: ["FieldConsole", "FieldApps", "FieldCore", "FieldHAL", "FieldDevices", "FieldRuntime", "FieldSystem", "FieldStore", "FieldEngine", "FieldUplink", "FieldSim", "FieldTestSupport"]),
        .testTarget(name: "FieldSimTests", dependencies: ["FieldSim", "FieldCore", "FieldHAL", "FieldDevices", "GB26875"]),
        .testTarget(name: "FuzzTests", dependencies: ["FieldCore", "FieldHAL", "FieldDevices", "FieldApps", "FieldRuntime", "FieldSystem", "FieldStore", "FieldEngine", "FieldUplink", "FieldSim", "GB26875", "FieldTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FieldCore", "FieldHAL", "FieldDevices", "FieldSim", "FieldTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
