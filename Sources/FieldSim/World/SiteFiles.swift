import FieldCore
import FieldDevices
import Foundation

/// The site and board files as the simulator reads them: the same files, the same validation
/// and the same `${FIELDSIM_DIR}` expansion as the gateway, so both agree on every address.
package enum SiteFiles {
    /// Loads and validates a site and its board.
    ///
    /// - Parameters:
    ///   - stateDirectory: the simulator's directory: `FIELDSIM_DIR` (and `STATE_DIR`, which the
    ///     sim board's console link uses) for the board's paths.
    ///   - environment: the process environment (`FIELDGATE_BOARDS` adds board directories).
    /// - Throws: `ConfigError` with the file and every problem's JSON path.
    package static func load(sitePath: String, stateDirectory: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> (site: Site, board: Board) {
        let builtins = Dictionary(BuiltinProfiles.all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let site: Site
        do {
            site = try Site.parse(try loadJSONDocument(path: sitePath), source: sitePath, builtins: builtins)
        } catch let e as ConfigError {
            throw e
        } catch {
            throw ConfigError(source: sitePath, issues: [ConfigIssue(path: .root, message: "\(error)")])
        }
        var env = environment
        env["FIELDSIM_DIR"] = stateDirectory
        if env["STATE_DIR"]?.isEmpty ?? true { env["STATE_DIR"] = stateDirectory }
        let boardPath = locateBoard(site.board, sitePath: sitePath, directories: boardDirectories(environment: env))
        let board: Board
        do {
            board = try Board.load(path: boardPath, environment: env)
        } catch let e as ConfigError {
            throw ConfigError(source: sitePath, issues: [ConfigIssue(path: JSONPath.root.key("board"), message: "board \"\(site.board)\" (\(boardPath)) is not usable")]
                + e.issues.map { ConfigIssue(path: $0.path, message: "in \(boardPath): \($0.message)") })
        } catch {
            throw ConfigError(source: sitePath, issues: [ConfigIssue(path: JSONPath.root.key("board"), message: "\(error)")])
        }
        var issues = site.check(against: board)
        if case .gpiod = board.gpio, site.devices.contains(where: { !$0.signals.isEmpty }) || site.buses.contains(where: \.isRTU) {
            issues.append(ConfigIssue(path: JSONPath.root.key("board"),
                                      message: "board \(board.id) drives real hardware (gpio backend \"gpiod\"); the simulator serves boards whose gpio backend is \"sim\", such as boards/sim.json"))
        }
        if !issues.isEmpty { throw ConfigError(source: sitePath, issues: issues) }
        return (site, board)
    }

    /// A board id is `<id>.json` in `directories`; a path (with `/` or `.json`) is relative to
    /// the site file. The gateway's `GatewayConfiguration.locateBoard` does the same lookup.
    static func locateBoard(_ board: String, sitePath: String, directories: [String]) -> String {
        let siteDirectory = (sitePath as NSString).deletingLastPathComponent
        if board.contains("/") || board.hasSuffix(".json") {
            return board.hasPrefix("/") ? board : (siteDirectory.isEmpty ? "." : siteDirectory) + "/" + board
        }
        for dir in directories where FileManager.default.fileExists(atPath: dir + "/" + board + ".json") {
            return dir + "/" + board + ".json"
        }
        return (directories.first ?? ".") + "/" + board + ".json"
    }

    /// `$FIELDGATE_BOARDS`, the boards installed next to the binary, a source checkout's
    /// `boards/` (from the binary in `.build/…/debug`), `/etc/fieldgate/boards`,
    /// `/usr/share/fieldgate/boards` and `./boards`: the gateway's list.
    static func boardDirectories(environment: [String: String]) -> [String] {
        var dirs: [String] = []
        if let env = environment["FIELDGATE_BOARDS"], !env.isEmpty { dirs += env.split(separator: ":").map(String.init) }
        let exe = (Bundle.main.executablePath ?? CommandLine.arguments.first ?? ".") as NSString
        let exeDir = exe.deletingLastPathComponent.isEmpty ? "." : exe.deletingLastPathComponent
        dirs += [exeDir + "/../share/fieldgate/boards", exeDir + "/../../boards", exeDir + "/../../../boards",
                 "/etc/fieldgate/boards", "/usr/share/fieldgate/boards", "boards"]
        return dirs
    }
}
