import Foundation
import Testing

/// The Debian package, built from the debug `fieldgate` next to this test binary, then installed,
/// started as its systemd unit would start it, stopped, upgraded, removed and purged in a
/// throwaway root by `scripts/test-deb.sh` (which says what a sandbox without systemd and udev
/// cannot show). `make deb-test` runs the same script on the release package.
@Suite struct PackagingTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Whether this machine can make the throwaway root (root, namespaces, overlayfs):
    /// `test-deb.sh --check`. Decided before the test runs, since Swift 6.0's Swift Testing (the
    /// arm64 build's) has no `Test.cancel`.
    static let throwawayRootPossible: Bool = {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/bash")
        check.arguments = [repository.appendingPathComponent("scripts/test-deb.sh").path, "--check"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }()

    @Test(.enabled(if: throwawayRootPossible, "this machine cannot make the throwaway root (scripts/test-deb.sh --check says why)"))
    func theDebianPackageInstallsRunsAndPurgesInAThrowawayRoot() async throws {
        let repository = Self.repository
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let fieldgate = URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("fieldgate").path
        guard FileManager.default.isExecutableFile(atPath: fieldgate) else {
            Issue.record("no \(fieldgate): build every product first (swift build --build-tests)")
            return
        }
        let run = try await ScriptRun(repository.appendingPathComponent("scripts/test-deb.sh").path, ["--binary", fieldgate])
        #expect(run.status == 0, "scripts/test-deb.sh --binary \(fieldgate):\n\(run.output)")
        #expect(run.output.contains("test-deb: all checks passed"), "\(run.output)")
    }
}

/// A bash script run to its end, stdout and stderr together.
///
/// The script takes about 15 s: it writes to a file and the test awaits its exit, so that no
/// thread of the shared test pool is held meanwhile (other suites wait on brokers and ptys there).
private struct ScriptRun {
    let status: Int32
    let output: String

    init(_ script: String, _ arguments: [String]) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("test-deb-\(UInt32.random(in: 0...UInt32.max)).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path])
        }
        defer { try? FileManager.default.removeItem(at: log) }
        let sink = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.standardOutput = sink
        process.standardError = sink
        process.standardInput = FileHandle.nullDevice
        status = try await withCheckedThrowingContinuation { (done: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { done.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                done.resume(throwing: error)
            }
        }
        try sink.close()
        output = try String(contentsOf: log, encoding: .utf8)
    }
}
