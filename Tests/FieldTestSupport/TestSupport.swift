#if canImport(Glibc)
import Glibc
#endif
import FieldSim
import Foundation

/// Where the tests find the repository, the built executables and free ports.
package enum TestSupport {
    /// The repository's root, found from this file's path (tests run from any directory).
    package static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// The repository's board files, for `FIELDGATE_BOARDS`.
    package static var boards: String { repositoryRoot + "/boards" }

    /// A built executable of this package (`fieldgate`, `fieldsim`): next to the test bundle (the
    /// configuration the tests were built in), else in `.build/debug`. `FIELDGATE_BINARY` names
    /// another `fieldgate` to test: the arm64 one under qemu (scripts/arm64.sh e2e).
    ///
    /// - Throws: `ChildProcessError` naming where it looked when it is not built.
    package static func executable(_ name: String) throws -> String {
        if name == "fieldgate", let given = ProcessInfo.processInfo.environment["FIELDGATE_BINARY"], !given.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: given) else {
                throw ChildProcessError("FIELDGATE_BINARY=\(given) is not an executable file")
            }
            return given
        }
        let candidates = [
            ((Bundle.main.executablePath ?? "") as NSString).deletingLastPathComponent + "/" + name,
            repositoryRoot + "/.build/debug/" + name,
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ChildProcessError("\(name) is not built (looked in \(candidates.joined(separator: ", "))); run swift build --build-tests")
        }
        return found
    }

    /// A TCP port on 127.0.0.1 that nobody listens on right now (the kernel's pick).
    ///
    /// - Throws: `ChildProcessError` when no socket can be bound.
    package static func freeTCPPort() throws -> Int { try Waiting.freePort() }
}
