import FieldApps
import FieldCore
import FieldDevices
import FieldSystem
import FoundationEssentials

/// A site file with its board, loaded and validated together: what `fieldgate check-config`
/// checks and what `fieldgate run` starts from. A bad file never half-starts the gateway.
package struct GatewayConfiguration: Sendable {
    package var sitePath: String
    package var site: Site
    package var board: Board
    /// The site document as read (the console's `config get/set/diff` work on it).
    package var document: JSONValue
    package var environment: [String: String]

    /// Loads the site and its board, and checks everything at once: the site's JSON, its
    /// profiles, the board, the site against the board, and every device's app settings.
    ///
    /// - Parameters:
    ///   - boardDirectories: where to look for `<board>.json` when the site names a board id.
    ///   - environment: for `${NAME}` in board files (`FIELDSIM_DIR`, `STATE_DIR`).
    package static func load(sitePath: String, boardDirectories: [String], environment: [String: String],
                            builtins: [String: DeviceProfile], factories: [String: any DeviceAppFactory]) throws(ConfigError) -> GatewayConfiguration {
        let document: JSONValue
        do {
            document = try loadJSONDocument(path: sitePath)
        } catch let e as ConfigError {
            throw e
        } catch {
            throw ConfigError(source: sitePath, issues: [ConfigIssue(path: .root, message: "\(error)")])
        }
        return try validate(document: document, sitePath: sitePath, boardDirectories: boardDirectories,
                            environment: environment, builtins: builtins, factories: factories)
    }

    /// Validates a site document (from a file, or edited by the console) with its board.
    package static func validate(document: JSONValue, sitePath: String, boardDirectories: [String], environment: [String: String],
                                builtins: [String: DeviceProfile], factories: [String: any DeviceAppFactory]) throws(ConfigError) -> GatewayConfiguration {
        let site: Site
        do {
            site = try Site.parse(document, source: sitePath, builtins: builtins)
        } catch {
            // The devices that did read get their settings checked too: every error at once.
            var issues = error.issues
            if let partial = Site.readPartially(document, builtins: builtins) {
                let known = Set(issues.map(\.path))
                issues += checkApps(partial, factories: factories).filter { !known.contains($0.path) }
            }
            throw ConfigError(source: error.source, issues: issues)
        }
        let boardPath = locateBoard(site.board, sitePath: sitePath, directories: boardDirectories)
        let isID = !(site.board.contains("/") || site.board.hasSuffix(".json"))
        if isID, !FileManager.default.fileExists(atPath: boardPath) {
            // Every place looked in, so a wrong FIELDGATE_BOARDS or a missing package is obvious.
            let tried = boardDirectories.map { $0 + "/" + site.board + ".json" }.joined(separator: ", ")
            throw ConfigError(source: sitePath, issues: [ConfigIssue(path: JSONPath.root.key("board"),
                message: "no board file for \"\(site.board)\" (looked for \(tried); FIELDGATE_BOARDS adds directories)")])
        }
        let board: Board
        do {
            board = try Board.load(path: boardPath, environment: environment)
        } catch let e as ConfigError {
            var issues = [ConfigIssue(path: JSONPath.root.key("board"), message: "board \"\(site.board)\" (\(boardPath)) is not usable")]
            issues += e.issues.map { ConfigIssue(path: $0.path, message: "in \(boardPath): \($0.message)") }
            throw ConfigError(source: sitePath, issues: issues)
        } catch {
            throw ConfigError(source: sitePath, issues: [ConfigIssue(path: JSONPath.root.key("board"), message: "\(error)")])
        }
        var issues = site.check(against: board)
        issues += checkApps(site, factories: factories)
        issues += checkUplinkFiles(site)
        if !issues.isEmpty { throw ConfigError(source: sitePath, issues: issues) }
        return GatewayConfiguration(sitePath: sitePath, site: site, board: board, document: document, environment: environment)
    }

    /// Builds every device's app once, to report settings errors with their JSON paths.
    static func checkApps(_ site: Site, factories: [String: any DeviceAppFactory]) -> [ConfigIssue] {
        let r = JSONReader()
        for (i, d) in site.devices.enumerated() {
            _ = d.makeApp(factories: factories, site: site.info, index: i, issues: r)
        }
        return r.issues
    }

    /// The uplink's TLS files must be readable now: an uplink that cannot start would leave the
    /// gateway running with nothing to send its alarms to.
    static func checkUplinkFiles(_ site: Site) -> [ConfigIssue] {
        guard let tls = site.uplink?.tls else { return [] }
        let tlsPath = JSONPath.root.key("uplink").key("tls")
        let files: [(String, String?)] = [("ca", tls.caFile), ("cert", tls.certFile), ("key", tls.keyFile)]
        return files.compactMap { key, file -> ConfigIssue? in
            guard let file else { return nil }
            do throws(SystemError) {
                try FileSystem.checkReadable(file)
                return nil
            } catch {
                return ConfigIssue(path: tlsPath.key(key), message: "cannot read \(file): \(error.message)")
            }
        }
    }

    /// A board id is looked up as `<id>.json` in `directories`; a path (with `/` or `.json`) is
    /// taken relative to the site file.
    package static func locateBoard(_ board: String, sitePath: String, directories: [String]) -> String {
        let siteDirectory = sitePath.contains("/") ? String(sitePath[..<sitePath.lastIndex(of: "/")!]) : "."
        if board.contains("/") || board.hasSuffix(".json") {
            return board.hasPrefix("/") ? board : siteDirectory + "/" + board
        }
        for dir in directories {
            let candidate = dir + "/" + board + ".json"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return (directories.first ?? siteDirectory) + "/" + board + ".json"
    }

    /// Where board files are looked for, first match wins: `$FIELDGATE_BOARDS`, then
    /// `/etc/fieldgate/boards` (an integrator's own or corrected board files), the boards installed
    /// next to the binary (`../share/fieldgate/boards`) and `/usr/share/fieldgate/boards`, then a
    /// source checkout's `boards/` beside `out/` or `.build`, then `./boards`.
    ///
    /// - Parameter executablePath: the binary, as started; its real location is taken from
    ///   `/proc/self/exe` when that is readable (argv[0] may be relative or a symlink).
    package static func defaultBoardDirectories(environment: [String: String], executablePath: String) -> [String] {
        var dirs: [String] = []
        if let env = environment["FIELDGATE_BOARDS"], !env.isEmpty { dirs += env.split(separator: ":").map(String.init) }
        // The binary's real location: `.build/debug` is a symlink, and `..` in a path is resolved
        // from where the link points.
        let resolved = (try? FileSystem.resolvedPath("/proc/self/exe")) ?? (try? FileSystem.resolvedPath(executablePath)) ?? executablePath
        let exeDir = resolved.contains("/") ? String(resolved[..<resolved.lastIndex(of: "/")!]) : "."
        dirs.append("/etc/fieldgate/boards")
        dirs.append(exeDir + "/../share/fieldgate/boards")
        dirs.append("/usr/share/fieldgate/boards")
        dirs.append(exeDir + "/../boards")  // a checkout's out/fieldgate (make release)
        dirs.append(exeDir + "/../../../boards")
        dirs.append(exeDir + "/../../boards")
        dirs.append("boards")
        return dirs.map(collapsingDotDot)
    }

    /// `/a/b/c/../../boards` → `/a/boards`: the paths an error lists are the ones a person checks.
    static func collapsingDotDot(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "..", let last = parts.last, !last.isEmpty, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }
}
