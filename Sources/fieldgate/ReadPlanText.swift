import FieldCore
import FieldDevices

/// `fieldgate check-config --plan`: what the gateway will do on the wire, per bus and device,
/// before it goes to the field — the Modbus requests of each poll (function, start, count) with
/// the points each carries, planned exactly as the gateway plans them (the profile's read limits,
/// the bus's `maxGap`), and the board lines of GPIO devices. Lines fit 80 columns.
enum ReadPlanText {
    static func render(_ site: Site) -> String {
        var out: [String] = ["", "read plan: the requests of one poll, per device (! = alarm-critical, read first)"]
        var requestsPerSecond = 0.0
        for bus in site.buses {
            let devices = site.devices.filter { $0.bus == bus.name && $0.profile.usesModbus }
            out.append("")
            switch bus.link {
            case .rtu(let l): out.append("bus \(bus.name): RTU on port \(l.port), \(l.baud) baud, max gap \(bus.maxGap)")
            case .tcp(let host, let port): out.append("bus \(bus.name): Modbus TCP \(host):\(port), max gap \(bus.maxGap)")
            }
            if devices.isEmpty { out.append("  no devices") }
            for d in devices {
                var limits = d.profile.modbus.readLimits
                limits.maxGap = min(limits.maxGap, bus.maxGap)
                let plan = ReadPlan(profile: d.profile, limits: limits)
                let n = plan.requests.count, points = plan.readablePointCount
                let state = d.enabled ? "" : "  (disabled: not polled)"
                out.append("  \(d.id)  \(d.profile.id)  unit \(d.address.map(String.init) ?? "?")  every \(formatDuration(d.poll))  "
                           + "\(n) request\(n == 1 ? "" : "s") for \(points) point\(points == 1 ? "" : "s")\(state)")
                if d.enabled { requestsPerSecond += Double(n) / (Double(d.poll.milliseconds) / 1000) }
                for (i, r) in plan.requests.enumerated() {
                    let head = "    FC\(r.function) \(pad(r.table.name, 8)) \(pad(hex(r.address), 6)) +\(pad(String(r.count) + (r.critical ? "!" : ""), 4)) "
                    let names = plan.pointIndices(ofRequest: i).map { plan.points[$0].name }
                    out += wrap(names, first: head, width: 80)
                }
            }
        }
        let gpio = site.devices.filter { !$0.signals.isEmpty }
        if !gpio.isEmpty {
            out.append("")
            out.append("board lines (GPIO), board \(site.board):")
            for d in gpio {
                let map = d.signals.keys.sorted().map { "\($0)=\(d.signals[$0]!)" }
                out += wrap(map, first: "  \(d.id)  \(d.profile.id)  ", width: 80)
            }
        }
        out.append("")
        out.append("\(formatNumber(requestsPerSecond, decimals: 1)) Modbus requests per second at the devices' poll intervals")
        return out.joined(separator: "\n")
    }

    /// `words` joined with ", " after `first`, continued on lines indented to `first`'s width.
    private static func wrap(_ words: [String], first: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = first
        let indent = String(repeating: " ", count: first.count)
        for (i, w) in words.enumerated() {
            let piece = w + (i == words.count - 1 ? "" : ",")
            if line.count + piece.count + 1 > width, line != first, line != indent {
                lines.append(line)
                line = indent
            }
            line += (line == first || line == indent ? "" : " ") + piece
        }
        lines.append(line)
        return lines
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private static func hex(_ v: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}

extension RegisterTable {
    /// `coil`, `discrete`, `holding`, `input`: the table as the register maps name it.
    var name: String {
        switch self {
        case .coil: "coil"
        case .discrete: "discrete"
        case .holding: "holding"
        case .input: "input"
        }
    }
}
