import FieldCore

extension Site {
    /// Checks the site against the board it runs on: every bus names one of the board's serial
    /// ports, every signal names one of its lines with the right direction, and no line or port
    /// is used twice (nor a line the board itself uses for RS-485 direction or LEDs).
    package func check(against board: Board) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        let root = JSONPath.root
        var portUsers: [String: String] = [:]
        for (i, bus) in buses.enumerated() {
            guard case .rtu(let rtu) = bus.link else { continue }
            let p = root.key("buses").index(i).key("port")
            if board.serialPort(rtu.port) == nil {
                let ports = board.serialPorts.map(\.name).joined(separator: ", ")
                issues.append(ConfigIssue(path: p, message: "board \(board.id) has no serial port \"\(rtu.port)\" (ports: \(ports))"))
            } else if let other = portUsers[rtu.port] {
                issues.append(ConfigIssue(path: p, message: "port \(rtu.port) is already bus \"\(other)\""))
            } else {
                portUsers[rtu.port] = bus.name
            }
        }
        var lineUsers: [String: String] = [:]
        for port in board.serialPorts {
            if case .gpio(let line) = port.direction { lineUsers[line] = "the RS-485 direction of \(port.name)" }
        }
        for led in board.leds { lineUsers[led.line] = "the board's \(led.role.rawValue) LED" }
        for (i, device) in devices.enumerated() {
            for signal in device.profile.signals {
                guard let lineName = device.signals[signal.name] else { continue }
                let p = root.key("devices").index(i).key("signals").key(signal.name)
                guard let line = board.line(lineName) else {
                    let near = board.lines.map(\.name).min { editDistance($0, lineName) < editDistance($1, lineName) }
                    let hint = near.map { editDistance($0, lineName) <= 2 ? " (did you mean \"\($0)\"?)" : "" } ?? ""
                    issues.append(ConfigIssue(path: p, message: "board \(board.id) has no line \"\(lineName)\"\(hint)"))
                    continue
                }
                let wanted: BoardLine.Direction = signal.direction == .input ? .input : .output
                if line.direction != wanted {
                    issues.append(ConfigIssue(path: p, message: "\(lineName) is an \(line.direction == .input ? "input" : "output") on board \(board.id), but \(signal.name) is an \(wanted == .input ? "input" : "output")"))
                }
                let user = "\(device.id).\(signal.name)"
                if let other = lineUsers[lineName] {
                    issues.append(ConfigIssue(path: p, message: "line \(lineName) is already used by \(other)"))
                } else {
                    lineUsers[lineName] = user
                }
            }
        }
        return issues
    }
}
