import FieldCore
import FieldHAL

extension DeviceProfile {
    /// Cross-checks between a profile's parts: names, overlapping registers, status sources,
    /// command names. Reports at the paths the parts were read from.
    func check(_ paths: ProfilePaths, reader r: JSONReader) {
        if points.isEmpty, signals.isEmpty, paths.declared.isEmpty {
            r.report(paths.root, "a profile needs at least one point or signal")
        }
        checkNames(paths, r)
        let limits = modbus.readLimits
        for (i, p) in points.enumerated() where !p.table.isBitTable && p.count > limits.maxRegisters {
            r.report(paths.point(i, "type"), "a \(p.type.rawValue) needs \(p.count) registers, more than modbus.maxRegisters (\(limits.maxRegisters)) allows in one read")
        }
        checkOverlaps(paths, r)
        for (i, p) in points.enumerated() {
            if let s = p.statusFrom { checkStatusSource(s, of: i, paths, r) }
        }
        var commandSeen: [String: JSONPath] = [:]
        for (name, path) in paths.commands {
            if let first = commandSeen[name] {
                r.report(path.key("name"), "duplicate command \"\(name)\" (also \(first))")
            }
            commandSeen[name] = path
        }
    }

    private func checkNames(_ paths: ProfilePaths, _ r: JSONReader) {
        var seen: [String: JSONPath] = [:]
        let named = Array(zip(points.map(\.name), paths.points)) + Array(zip(signals.map(\.name), paths.signals))
        for (name, path) in named {
            if let first = seen[name] {
                r.report(path.key("name"), "duplicate name \"\(name)\" (also \(first)): points and signals share one namespace per device")
            } else {
                seen[name] = path
            }
        }
    }

    /// Two points may share a register when one is a bit field of a word the other reads whole,
    /// when both are disjoint bit fields of it, or when one is marked `alias`.
    private func checkOverlaps(_ paths: ProfilePaths, _ r: JSONReader) {
        let byTable = Dictionary(grouping: points.indices, by: { points[$0].table })
        for table in RegisterTable.allCases {
            let sorted = (byTable[table] ?? []).sorted { (points[$0].address, $0) < (points[$1].address, $1) }
            var open: [Int] = []
            for i in sorted {
                let p = points[i]
                open.removeAll { points[$0].span.upperBound <= p.address }
                for j in open {
                    let q = points[j]
                    if p.alias || q.alias { continue }
                    switch (p.bits, q.bits) {
                    case (nil, nil): break
                    case (let a?, let b?) where a.mask & b.mask != 0: break
                    default: continue
                    }
                    let (lo, hi) = (max(p.address, q.address), min(p.span.upperBound, q.span.upperBound) - 1)
                    let shared = lo == hi ? "\(table) \(lo)" : "\(table) \(lo)…\(hi)"
                    r.report(paths.point(i, "address"),
                             "\"\(p.name)\" overlaps \"\(q.name)\" (\(paths.point(j))) at \(shared); mark one \"alias\": true if both views are meant")
                }
                open.append(i)
            }
        }
    }

    private func checkStatusSource(_ s: StatusSource, of index: Int, _ paths: ProfilePaths, _ r: JSONReader) {
        let p = points[index]
        let at = paths.point(index, "statusFrom").key("point")
        guard let status = point(s.point) else {
            if !paths.declared.contains(s.point) {
                r.report(at, "no point named \"\(s.point)\" in this profile")
            }
            return
        }
        if status.name == p.name {
            r.report(at, "a point cannot take its quality from itself")
            return
        }
        guard status.isReadable else {
            r.report(at, "\"\(status.name)\" is write-only: the gateway never reads it")
            return
        }
        guard !status.type.isFloat, status.scale == 1, status.offset == 0, status.loop == nil else {
            r.report(at, "\"\(status.name)\" must be a raw integer (no float, scale, offset or loop) to take bits from")
            return
        }
        if status.statusFrom != nil {
            r.report(at, "\"\(status.name)\" takes its own quality from another point; name the status register itself")
        }
        let width = status.type == .bool ? 1 : (status.bits?.width ?? status.type.registerCount * 16)
        let all = s.sensorFault | s.outOfRange | s.warmingUp
        if width < 64, all >> UInt64(width) != 0 {
            r.report(paths.point(index, "statusFrom"), "\"\(status.name)\" has \(width) bit\(width == 1 ? "" : "s") (0…\(width - 1)); a bit above that can never be set")
        }
    }
}
