import FieldCore

extension DeviceProfile {
    /// The profile's register map, GPIO signals and commands as Markdown tables, as
    /// docs/register-maps.md shows them (and the console prints them).
    package func registerMapMarkdown() -> String {
        var out: [String] = []
        if !points.isEmpty {
            out.append("| table | address | point | type | order | scale, offset | unit | access | valid range | notes |")
            out.append("|---|---|---|---|---|---|---|---|---|---|")
            let sorted = points.sorted { ($0.table, $0.address, $0.bits?.lowest ?? -1) < ($1.table, $1.address, $1.bits?.lowest ?? -1) }
            for p in sorted { out.append(row(p)) }
        }
        if !signals.isEmpty {
            if !out.isEmpty { out.append("") }
            out.append("| signal | direction | true / false | debounce | safe state | notes |")
            out.append("|---|---|---|---|---|---|")
            for s in signals {
                let safe = s.safe.map { $0 ? s.trueMeans : s.falseMeans } ?? "—"
                let debounce = s.direction == .input ? formatDuration(s.debounce) : "—"
                out.append("| `\(s.name)` | \(s.direction.rawValue) | \(s.trueMeans) / \(s.falseMeans) | \(debounce) | \(safe) | \(notes(s.description, s.priority)) |")
            }
        }
        if !commands.isEmpty {
            if !out.isEmpty { out.append("") }
            out.append("| command | role | parameters | writes, in order |")
            out.append("|---|---|---|---|")
            for c in commands {
                let params = c.parameters.map(describe).joined(separator: "; ")
                let writes = c.writes.map(describe).joined(separator: "; ")
                out.append("| `\(c.name)` | \(c.role.rawValue) | \(params.isEmpty ? "—" : params) | \(writes) |")
            }
        }
        return out.joined(separator: "\n")
    }

    private func row(_ p: PointSpec) -> String {
        var address = hex(p.address)
        if let b = p.bits { address += b.width == 1 ? " bit \(b.lowest)" : " bits \(b.lowest)–\(b.lowest + b.width - 1)" }
        let wide = !p.table.isBitTable && p.bits == nil && p.type.registerCount > 1
        let order = wide ? p.wordOrder.rawValue : "—"
        var scaling = p.isNumeric && (p.scale != 1 || p.offset != 0) ? "×\(formatNumber(p.scale))" : "—"
        if p.isNumeric, p.offset != 0 { scaling += (p.offset < 0 ? " − " : " + ") + formatNumber(abs(p.offset)) }
        var unit = p.unit.isEmpty ? "—" : p.unit
        if let loop = p.loop { unit += " → \(formatNumber(loop.low))…\(formatNumber(loop.high)) \(loop.unit) (4–20 mA)" }
        let access = ["read": "r", "write": "w", "readwrite": "rw"][p.access.rawValue] ?? p.access.rawValue
        let range = p.range.map { "\(formatNumber($0.lowerBound))…\(formatNumber($0.upperBound))" } ?? "—"
        var notes = [p.description]
        if let s = p.statusFrom { notes.append("quality from `\(s.point)`: \(describe(s))") }
        if let w = p.warmUp { notes.append("warm-up \(formatDuration(w))") }
        return "| \(p.table) | \(address) | `\(p.name)` | \(p.type.rawValue) | \(order) | \(scaling) | \(unit) | \(access) | \(range) | \(self.notes(notes.filter { !$0.isEmpty }.joined(separator: "; "), p.priority)) |"
    }

    private func notes(_ text: String, _ priority: PointPriority) -> String {
        let all = (priority == .critical ? ["**critical**"] : []) + (text.isEmpty ? [] : [text])
        return all.isEmpty ? "—" : all.joined(separator: "; ")
    }

    private func describe(_ s: StatusSource) -> String {
        func bits(_ mask: UInt64) -> String { (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map(String.init).joined(separator: ", ") }
        return [(s.sensorFault, "sensor-fault"), (s.outOfRange, "out-of-range"), (s.warmingUp, "warming-up")]
            .filter { $0.0 != 0 }
            .map { "bit\($0.0.nonzeroBitCount == 1 ? "" : "s") \(bits($0.0)) → \($0.1)" }
            .joined(separator: ", ")
    }

    private func describe(_ p: CommandParameter) -> String {
        if !p.choices.isEmpty {
            return "`\(p.name)`: " + p.choices.map { "\(formatNumber($0.value)) → \(formatNumber($0.code))" }.joined(separator: ", ")
        }
        let range = p.range.map { " \(formatNumber($0.lowerBound))…\(formatNumber($0.upperBound))" } ?? ""
        return "`\(p.name)`\(range)\(p.unit.isEmpty ? "" : " \(p.unit)")"
    }

    private func describe(_ w: CommandWrite) -> String {
        let target = w.isProfilePoint ? "`\(w.target.name)`" : "\(w.target.table) \(hex(w.target.address))"
        switch w.value {
        case .fixed(.number(let n)) where n == n.rounded() && n >= 0 && n <= 65535 && w.target.scale == 1:
            return "\(target) ← \(hex(Int(n)))"
        case .fixed(let v): return "\(target) ← \(v)"
        case .parameter(let p): return "\(target) ← `\(p)`"
        }
    }
}
