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
        case belowFieldSystem = "FieldCore is the bottom module, below FieldSystem: its wall and monotonic clocks and its log writer"
        case hostTool = "host-only tool: imports full Foundation, which re-exports the C library anyway"
    }

    /// Directories under Sources/ (ending in "/"), or file names wherever they are: a file that
    /// moves to another module (FieldRuntime's split) keeps its entry.
    static let allowed: [String: Reason] = [
        "AstronomicalClock.swift": .math,
        "TiltApp.swift": .math,

        "ModbusClient.swift": .cWrapper,
        "ModbusContext.swift": .cWrapper,
        "GPIOLibgpiodBackend.swift": .cWrapper,
        "LibgpiodV1LineDriver.swift": .cWrapper,
        "LibgpiodV2LineDriver.swift": .cWrapper,
        "MQTTClient.swift": .cWrapper,
        "PasswordHasher.swift": .cWrapper,
        "SecretBytes.swift": .cWrapper,

        // FieldCore is the bottom module: FieldSystem itself uses its clocks and its log writer.
        "Clock.swift": .belowFieldSystem,
        "Log.swift": .belowFieldSystem,
        "MonotonicClock.swift": .belowFieldSystem,

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
        let name = String(path.split(separator: "/").last ?? "")
        return path.hasPrefix("FieldSystem/") || allowed.keys.contains { $0.hasSuffix("/") ? path.hasPrefix($0) : name == $0 }
    }

    @Test func onlyFieldSystemAndTheAllowListImportTheCLibrary() {
        let files = Self.swiftFiles()
        #expect(files.count > 100, "found the sources at \(Self.sources)")
        let offenders = files.filter { Self.importsLibc($0.text) && !Self.allowList($0.path) }.map(\.path).sorted()
        #expect(offenders == [], "import the C library only in FieldSystem; use FileDescriptor, SystemError, WorkerThread …, or add the file to LibcBoundaryTests.allowed with a reason")
    }

    @Test func theAllowListHasNoStaleEntries() {
        let files = Self.swiftFiles()
        for (entry, _) in Self.allowed where !entry.hasSuffix("/") {
            let named = files.filter { $0.path.hasSuffix("/" + entry) && !$0.path.hasPrefix("FieldSystem/") }
            if named.isEmpty { Issue.record("\(entry) is on the allow-list but no longer exists") }
            #expect(named.contains { Self.importsLibc($0.text) }, "\(entry) no longer imports the C library: take it off the allow-list")
        }
    }

    @Test func nothingReExportsTheCLibrary() {
        for (path, text) in Self.swiftFiles() {
            #expect(!text.contains("@_exported import Glibc") && !text.contains("@_exported import Musl"), "\(path) re-exports the C library")
        }
    }
}
