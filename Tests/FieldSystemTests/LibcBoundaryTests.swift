import Foundation
import Testing

/// "Only FieldSystem calls the C library" (issue 19), checked by grep over Sources/: a Swift file
/// that imports Glibc or Musl is in FieldSystem or on the short allow-list below, each entry with
/// its reason. FoundationEssentials does not re-export the C library (full Foundation does: the
/// host-only tools are listed whole), so a firmware file without the import cannot call libc.
/// An entry whose file no longer imports libc fails too, so the list only shrinks.
@Suite("The C library boundary")
struct LibcBoundaryTests {
    /// Why a file outside FieldSystem may still import the C library.
    enum Reason: String {
        case math = "libm's sin, cos, pow, hypot: the standard library has no trigonometry"
        case cWrapper = "errno and descriptors around a C library's own calls (libmodbus, libgpiod, mosquitto, crypt)"
        case device = "a device driver's termios, pty or ioctl, not yet moved into FieldSystem"
        case notYetMoved = "plain libc (files, signals, terminals, clocks) not yet moved into FieldSystem"
        case hostTool = "host-only tool: imports full Foundation, which re-exports the C library anyway"
    }

    /// Directories (ending in "/") or files under Sources/.
    static let allowed: [String: Reason] = [
        "FieldApps/LampPole/AstronomicalClock.swift": .math,
        "FieldApps/LampPole/TiltApp.swift": .math,

        "FieldHAL/ModbusClient.swift": .cWrapper,
        "FieldHAL/ModbusContext.swift": .cWrapper,
        "FieldHAL/GPIOLibgpiodBackend.swift": .cWrapper,
        "FieldHAL/LibgpiodV1LineDriver.swift": .cWrapper,
        "FieldHAL/LibgpiodV2LineDriver.swift": .cWrapper,
        "FieldRuntime/MQTTClient.swift": .cWrapper,
        "FieldConsole/PasswordHasher.swift": .cWrapper,
        "FieldConsole/SecretBytes.swift": .cWrapper,

        "FieldHAL/PseudoTerminal.swift": .device,
        "FieldHAL/SerialPort.swift": .device,
        "FieldHAL/SerialSettings+Termios.swift": .device,
        "FieldHAL/SystemdNotifier.swift": .device,
        "FieldHAL/Watchdog.swift": .device,
        "FieldHAL/GPIOSocketConnection.swift": .device,
        "FieldHAL/GPIOSocketServer.swift": .device,
        "FieldHAL/GPIOSocketServerLoop.swift": .device,

        // FieldCore sits below FieldSystem (FieldSystem uses its clocks and JSON).
        "FieldCore/Clock.swift": .notYetMoved,
        "FieldCore/Log.swift": .notYetMoved,
        "FieldDevices/Board+Reading.swift": .notYetMoved,
        "FieldRuntime/BusWorker.swift": .notYetMoved,
        "FieldRuntime/DurableFile.swift": .notYetMoved,
        "FieldRuntime/GatewayConfiguration.swift": .notYetMoved,
        "FieldRuntime/OutboxStore.swift": .notYetMoved,
        "FieldRuntime/Supervisor.swift": .notYetMoved,
        "FieldRuntime/UplinkThreadIdentity.swift": .notYetMoved,
        "FieldConsole/ConsoleAttach.swift": .notYetMoved,
        "FieldConsole/ConsoleService+Line.swift": .notYetMoved,
        "FieldConsole/ConsoleService+Socket.swift": .notYetMoved,
        "FieldConsole/FileDescriptorTerminal.swift": .notYetMoved,
        "FieldConsole/GatewayBackend+System.swift": .notYetMoved,
        "FieldConsole/LocalTerminalAttributes.swift": .notYetMoved,
        "FieldConsole/PasswdTool.swift": .notYetMoved,
        "FieldConsole/ServiceTerminal.swift": .notYetMoved,
        "fieldgate/GatewayDaemon.swift": .notYetMoved,
        "fieldgate/StateDirectory.swift": .notYetMoved,
        "fieldgate/TerminalSize.swift": .notYetMoved,
        "fieldgate/main.swift": .notYetMoved,

        "FieldSim/": .hostTool,
        "fieldsim/": .hostTool,
        "fieldbench/": .hostTool,
    ]

    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources").path

    /// Every Swift file under Sources/ (relative path) with its text.
    static func swiftFiles() -> [(path: String, text: String)] {
        let enumerator = FileManager.default.enumerator(atPath: sources)
        var files: [(String, String)] = []
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".swift"), let text = try? String(contentsOfFile: sources + "/" + path, encoding: .utf8) else { continue }
            files.append((path, text))
        }
        return files
    }

    static func importsLibc(_ text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let l = line.trimmingCharacters(in: .whitespaces)
            return l.hasPrefix("import Glibc") || l.hasPrefix("import Musl") || l.hasPrefix("@_exported import Glibc")
                || l.hasPrefix("@_exported import Musl") || l.hasPrefix("import func Glibc") || l.hasPrefix("import var Glibc")
        }
    }

    static func allowList(_ path: String) -> Bool {
        path.hasPrefix("FieldSystem/") || allowed.keys.contains { $0.hasSuffix("/") ? path.hasPrefix($0) : path == $0 }
    }

    @Test func onlyFieldSystemAndTheAllowListImportTheCLibrary() {
        let files = Self.swiftFiles()
        #expect(files.count > 100, "found the sources at \(Self.sources)")
        let offenders = files.filter { Self.importsLibc($0.text) && !Self.allowList($0.path) }.map(\.path).sorted()
        #expect(offenders == [], "import the C library only in FieldSystem; use FileDescriptor, SystemError, WorkerThread …, or add the file to LibcBoundaryTests.allowed with a reason")
    }

    @Test func theAllowListHasNoStaleEntries() {
        let byPath = Dictionary(Self.swiftFiles().map { ($0.path, $0.text) }, uniquingKeysWith: { a, _ in a })
        for (entry, _) in Self.allowed where !entry.hasSuffix("/") {
            guard let text = byPath[entry] else {
                Issue.record("\(entry) is on the allow-list but no longer exists")
                continue
            }
            #expect(Self.importsLibc(text), "\(entry) no longer imports the C library: take it off the allow-list")
        }
    }

    @Test func nothingReExportsTheCLibrary() {
        for (path, text) in Self.swiftFiles() {
            #expect(!text.contains("@_exported import Glibc") && !text.contains("@_exported import Musl"), "\(path) re-exports the C library")
        }
    }
}
