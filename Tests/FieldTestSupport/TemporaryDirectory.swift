import Foundation

/// A fresh directory under the system's temp dir, removed when the value is released (also when
/// a test fails).
package final class TemporaryDirectory: @unchecked Sendable {
    package let path: String

    package init(_ label: String = "fieldgate") throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    package func file(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
/// For waiting on another process or thread that has no readiness signal of its own.
package func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// The path of an executable this package builds (`fieldbench`, `fieldgate`, `fieldsim`): next
/// to the test bundle in the build directory. `swift build --build-tests` builds them all.
package func builtProduct(_ name: String) -> String? {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let path = here.appendingPathComponent(name).path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}
