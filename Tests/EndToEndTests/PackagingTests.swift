import Foundation
import Testing

/// The Debian package, built from the debug `fieldgate` next to this test binary, then installed,
/// started as its systemd unit would start it, stopped, upgraded, removed and purged in a
/// throwaway root by `scripts/test-deb.sh` (which says what a sandbox without systemd and udev
/// cannot show). `make deb-test` runs the same script on the release package.
@Suite struct PackagingTests {
    @Test func theDebianPackageInstallsRunsAndPurgesInAThrowawayRoot() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let fieldgate = URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("fieldgate").path
        guard FileManager.default.isExecutableFile(atPath: fieldgate) else {
            Issue.record("no \(fieldgate): build every product first (swift build --build-tests)")
            return
        }
        let run = try ScriptRun(repository.appendingPathComponent("scripts/test-deb.sh").path, ["--binary", fieldgate])
        if run.status == 77 {
            try Test.cancel("the throwaway root cannot be made here: \(run.output.split(separator: "\n").last ?? "")")
        }
        #expect(run.status == 0, "scripts/test-deb.sh --binary \(fieldgate):\n\(run.output)")
        #expect(run.output.contains("test-deb: all checks passed"), "\(run.output)")
    }
}

/// A bash script run to its end, stdout and stderr together.
private struct ScriptRun {
    let status: Int32
    let output: String

    init(_ script: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Reading to the end first: a full pipe would otherwise stall the script.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        output = String(decoding: data, as: UTF8.self)
    }
}
