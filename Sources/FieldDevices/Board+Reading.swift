import FieldCore
import FieldSystem
import FoundationEssentials

extension Board {
    /// Reads and validates a board file's JSON. Every problem is reported through `o.reader`
    /// with its JSON path; nil if the board is unusable.
    ///
    /// - Parameter environment: values for `${NAME}` and `${NAME:-default}` in string fields
    ///   (the simulator board names its ptys and socket under `${FIELDSIM_DIR}`).
    package static func read(_ o: JSONObjectReader, environment: [String: String]) -> Board? {
        let r = o.reader
        let expand = { (s: String, p: JSONPath) -> String? in
            switch expandEnvironment(s, environment) {
            case .success(let v): return v
            case .failure(let e):
                r.report(p, e.message)
                return nil
            }
        }
        let id = o.identifier("id", required: true)
        let name = o.string("name", required: true)
        let description = o.string("description") ?? ""
        let gpio: GPIOBackendSpec? = o.object("gpio", required: true).flatMap { g in
            defer { g.finish() }
            switch g.string("backend", required: true, oneOf: ["gpiod", "sim"]) {
            case "gpiod": return .gpiod
            case "sim":
                guard let s = g.string("socket", required: true) else { return nil }
                return expand(s, g.path.key("socket")).map { .simulator(socket: $0) }
            default: return nil
            }
        }
        let lines = o.objects("lines") { readLine($0) } ?? []
        let ports = o.objects("serialPorts") { p -> BoardSerialPort? in
            let name = p.identifier("name", required: true)
            let label = p.string("label") ?? ""
            let device = p.string("device", required: true).flatMap { expand($0, p.path.key("device")) }
            let direction = p.decode("rs485", required: true) { v, path -> BoardSerialPort.Direction? in
                switch v.stringValue {
                case "auto": return .automatic
                case "kernel": return .kernel
                case "rts": return .rts
                case let s? where s.hasPrefix("gpio:") && isIdentifier(String(s.dropFirst(5))): return .gpio(line: String(s.dropFirst(5)))
                default:
                    r.report(path, "expected \"auto\", \"kernel\", \"rts\" or \"gpio:LINE\", got \(v.stringValue.map { "\"\($0)\"" } ?? v.kindDescription)")
                    return nil
                }
            }
            guard let name, let device, let direction else { return nil }
            return BoardSerialPort(name: name, label: label, device: device, direction: direction)
        } ?? []
        let console: BoardConsole? = o.object("console").flatMap { c in
            defer { c.finish() }
            if let link = c.string("pty") {
                return expand(link, c.path.key("pty")).map { .pty(link: $0) }
            }
            guard let device = c.string("device", required: true).flatMap({ expand($0, c.path.key("device")) }) else { return nil }
            let baud = c.int("baud", range: 1200...4_000_000) ?? 115_200
            return .serial(device: device, baud: baud)
        }
        let watchdog: BoardWatchdog? = o.object("watchdog").flatMap { w in
            defer { w.finish() }
            guard let device = w.string("device", required: true).flatMap({ expand($0, w.path.key("device")) }) else { return nil }
            let timeout = w.duration("timeout", range: .seconds(1)...Duration.seconds(600)) ?? .seconds(15)
            return BoardWatchdog(device: device, timeout: timeout)
        }
        let leds = o.objects("leds") { l -> BoardLED? in
            guard let role = l.enumeration("role", BoardLED.Role.self, required: true),
                  let line = l.identifier("line", required: true) else { return nil }
            return BoardLED(role: role, line: line)
        } ?? []
        o.allow("$comment")
        o.finish()

        guard let id, let name, let gpio else { return nil }
        let board = Board(id: id, name: name, description: description, gpio: gpio, lines: lines,
                          serialPorts: ports, console: console, watchdog: watchdog, leds: leds)
        board.checkConsistency(o)
        return board
    }

    private static func readLine(_ l: JSONObjectReader) -> BoardLine? {
        let name = l.identifier("name", required: true)
        let label = l.string("label") ?? ""
        let chip = l.string("chip", required: true)
        let offset = l.int("offset", required: true, range: 0...1023)
        let direction = l.enumeration("direction", BoardLine.Direction.self, required: true)
        let activeLow = l.bool("activeLow") ?? false
        let bias = l.enumeration("bias", BoardLine.Bias.self) ?? .asIs
        let safe = l.bool("safeState")
        let debounce = l.duration("debounce", range: .zero...Duration.seconds(10)) ?? .zero
        l.allow("$comment")
        if safe != nil, direction == .input {
            l.reader.report(l.path.key("safeState"), "only outputs have a safe state")
        }
        if direction == .output, safe == nil {
            l.reader.report(l.path.key("safeState"), "missing (every output needs a safe state: the level it takes on start, on shutdown and when the gateway dies)")
        }
        guard let name, let chip, let offset, let direction else { return nil }
        return BoardLine(name: name, label: label, chip: chip, offset: offset, direction: direction, activeLow: activeLow,
                         bias: bias, safeState: safe, debounce: debounce)
    }

    /// Cross-field rules: unique names, one name per chip line, RS-485 and LED lines that exist
    /// and are outputs.
    private func checkConsistency(_ o: JSONObjectReader) {
        let r = o.reader
        var names: [String: Int] = [:]
        var pins: [String: Int] = [:]
        for (i, line) in lines.enumerated() {
            let p = o.path.key("lines").index(i)
            if let first = names[line.name] {
                r.report(p.key("name"), "\"\(line.name)\" is already the name of lines[\(first)]")
            } else {
                names[line.name] = i
            }
            let pin = "\(line.chip):\(line.offset)"
            if let first = pins[pin] {
                r.report(p.key("offset"), "\(line.chip) line \(line.offset) is already lines[\(first)] (\(lines[first].name))")
            } else {
                pins[pin] = i
            }
        }
        var ports: Set<String> = []
        for (i, port) in serialPorts.enumerated() {
            let p = o.path.key("serialPorts").index(i)
            if !ports.insert(port.name).inserted {
                r.report(p.key("name"), "\"\(port.name)\" is named twice")
            }
            if case .gpio(let lineName) = port.direction {
                checkOutput(lineName, at: p.key("rs485"), what: "RS-485 direction line", r)
            }
        }
        for (i, led) in leds.enumerated() {
            checkOutput(led.line, at: o.path.key("leds").index(i).key("line"), what: "LED line", r)
        }
    }

    private func checkOutput(_ name: String, at path: JSONPath, what: String, _ r: JSONReader) {
        guard let line = line(name) else {
            r.report(path, "\(what) \"\(name)\" is not one of this board's lines")
            return
        }
        if line.direction != .output {
            r.report(path, "\(what) \"\(name)\" is an input; it must be an output")
        }
    }

    /// Loads and validates a board file.
    package static func load(path: String, environment: [String: String]) throws -> Board {
        let doc = try loadJSONDocument(path: path)
        let r = JSONReader()
        let board = r.object(doc).flatMap { read($0, environment: environment) }
        try r.check(source: path)
        guard let board else { throw ConfigError(source: path, issues: [ConfigIssue(path: .root, message: "not a board file")]) }
        return board
    }
}

/// Reads a JSON file, with errors that name the file.
package func loadJSONDocument(path: String) throws -> JSONValue {
    let data: Data
    // The system's own words (no such file, permission denied), not a Foundation error's dump.
    // open(2), not access(2): under qemu-user (the arm64 tests) access is answered ENOENT for
    // files that are there, and open is what the read below does anyway.
    do {
        try FileDescriptor.open(path, .readOnly).close()
    } catch {
        throw ConfigError(source: path, issues: [ConfigIssue(path: .root, message: "cannot read the file (\(error.message.lowercased()))")])
    }
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw ConfigError(source: path, issues: [ConfigIssue(path: .root, message: "cannot read the file (\(describeFileError(error)))")])
    }
    do {
        return try JSONValue.parse(data)
    } catch {
        throw ConfigError(source: path, issues: [ConfigIssue(path: .root, message: error.description)])
    }
}

func describeFileError(_ error: any Error) -> String {
    let text = "\(error)"
    if text.contains("NoSuchFile") || text.contains("No such file") || text.contains("code: 260") || text.contains("code: 4") { return "no such file" }
    if text.contains("NoPermission") || text.contains("Permission") || text.contains("code: 257") { return "permission denied" }
    return text
}

/// An expansion that failed: names the variable.
package struct EnvironmentExpansionError: Error, Sendable {
    package var message: String
}

/// Expands `${NAME}` and `${NAME:-default}` from `environment`; an unset variable without a
/// default is an error naming it.
package func expandEnvironment(_ text: String, _ environment: [String: String]) -> Result<String, EnvironmentExpansionError> {
    guard text.contains("${") else { return .success(text) }
    var out = ""
    var rest = Substring(text)
    while let start = rest.firstRange(of: "${") {
        out += rest[..<start.lowerBound]
        guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
            return .failure(EnvironmentExpansionError(message: "unterminated \"${\" in \"\(text)\""))
        }
        let body = rest[start.upperBound..<end]
        let name: Substring, fallback: Substring?
        if let sep = body.firstRange(of: ":-") {
            name = body[..<sep.lowerBound]
            fallback = body[sep.upperBound...]
        } else {
            name = body
            fallback = nil
        }
        if let v = environment[String(name)], !v.isEmpty {
            out += v
        } else if let fallback {
            out += fallback
        } else {
            return .failure(EnvironmentExpansionError(message: "environment variable \(name) is not set (used in \"\(text)\")"))
        }
        rest = rest[rest.index(after: end)...]
    }
    out += rest
    return .success(out)
}
