import FieldCore
import FieldDevices
import Foundation
import Testing

@testable import FieldSim

/// Shared ground for the simulator's model, control, process and end-to-end tests: the
/// repository, the built binaries, site documents, free ports. Process management itself is
/// FieldSim's `ChildProcess` and `Waiting`, which `fieldsim scenario` uses too.
enum SimTest {
    /// The repository's root, from this file's path (tests run from any directory).
    static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static let builtins = Dictionary(BuiltinProfiles.all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

    /// A site parsed from JSON text (with the built-in profiles).
    static func site(_ json: String) throws -> Site {
        try Site.parse(try JSONValue.parse(json), source: "test site", builtins: builtins)
    }

    /// The simulator board with its paths under `directory`.
    static func board(_ directory: String = "/tmp/fieldsim-test") throws -> Board {
        try Board.load(path: repositoryRoot + "/boards/sim.json", environment: ["FIELDSIM_DIR": directory, "STATE_DIR": directory])
    }

    /// The world of a site, not started: tests step it by hand in simulated time.
    static func world(_ json: String) throws -> World {
        World(site: try site(json), board: try board(), gpio: nil)
    }

    /// A built executable of this package (`fieldsim`, `fieldgate`), next to the test bundle.
    static func executable(_ name: String) throws -> String {
        let candidates = [
            ((Bundle.main.executablePath ?? "") as NSString).deletingLastPathComponent + "/" + name,
            repositoryRoot + "/.build/debug/" + name,
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ChildProcessError("\(name) is not built (looked in \(candidates.joined(separator: ", "))); run swift build --build-tests")
        }
        return found
    }

    /// Environment for the simulator and gateway processes: the repository's boards.
    static var environment: [String: String] { ["FIELDGATE_BOARDS": repositoryRoot + "/boards"] }

    /// A TCP port nobody listens on right now.
    static func freePort() throws -> Int { try Waiting.freePort() }

    /// The demo site with its Modbus TCP endpoint on `port`, written into `directory`.
    static func demoSite(in directory: String, port: Int) throws -> String {
        let text = try String(contentsOfFile: repositoryRoot + "/simulator/sites/demo.json", encoding: .utf8)
            .replacingOccurrences(of: "\"port\": 15020", with: "\"port\": \(port)")
        let path = directory + "/demo.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A short-lived directory under /tmp (Unix socket paths must stay short), removed on deinit.
final class ScratchDirectory {
    let path: String

    init(_ prefix: String = "fieldsim-test") throws {
        path = try Waiting.temporaryDirectory(prefix: prefix)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension World {
    /// Steps the world from `start` in `step`s of simulated time for `duration`, calling `each`
    /// after every step; wall time moves with simulated time.
    func run(from start: Timestamp, for duration: Duration, step: Duration, _ each: (Timestamp) -> Void = { _ in }) -> Timestamp {
        var now = start
        let end = start + duration
        self.step(wall: now.milliseconds, now: now)
        while now < end {
            now = now + step
            self.step(wall: now.milliseconds, now: now)
            each(now)
        }
        return now
    }
}

/// 2026-03-20 12:00 in China.
let noonInChina = Timestamp(iso8601: "2026-03-20T12:00:00+08:00")!
