import FieldDevices

/// Which addresses a simulated device answers for, and which of them a master may write: the
/// profile's points plus the bare registers its commands write (`holding@256`), laid out per table.
///
/// Built once per profile and never changed, so every device of one model can share it.
final class RegisterMap: Sendable {
    /// Every point the device serves: the profile's points, then the commands' bare registers.
    let points: [PointSpec]
    let index: [String: Int]
    let coils: TableMap
    let discrete: TableMap
    let holding: TableMap
    let input: TableMap

    /// - Parameter gaps: for every table; nil takes each table's behaviour from the profile's
    ///   read limits (`RegisterGaps(profile:table:)`).
    init(profile: DeviceProfile, gaps: RegisterGaps?) {
        var points = profile.points
        var index: [String: Int] = [:]
        for (i, p) in points.enumerated() { index[p.name] = i }
        for command in profile.commands {
            for write in command.writes where !write.isProfilePoint && index[write.target.name] == nil {
                var target = write.target
                target.access = .readWrite
                index[target.name] = points.count
                points.append(target)
            }
        }
        self.points = points
        self.index = index
        func map(_ table: RegisterTable) -> TableMap {
            TableMap(table, points: points, gaps: gaps ?? RegisterGaps(profile: profile, table: table))
        }
        coils = map(.coil)
        discrete = map(.discrete)
        holding = map(.holding)
        input = map(.input)
    }

    func table(_ table: RegisterTable) -> TableMap {
        switch table {
        case .coil: coils
        case .discrete: discrete
        case .holding: holding
        case .input: input
        }
    }

    func point(_ name: String) -> PointSpec? { index[name].map { points[$0] } }
}

/// One table of a device's map: the block of addresses from its lowest point to the end of its
/// highest, which of them a point covers, and which bits of each a master may write.
struct TableMap: Sendable {
    let table: RegisterTable
    /// The lowest address served; 0 for a table without points.
    let start: Int
    /// Addresses served from `start`; 0 when the device has no such table.
    let count: Int
    let gaps: RegisterGaps
    /// Per address from `start`: a point covers it.
    private let defined: [Bool]
    /// Per address from `start`: the bits a write may change (0xFFFF for a whole register or a
    /// coil; a bit field's mask; 0 for read-only addresses).
    let writeMask: [UInt16]

    init(_ table: RegisterTable, points: [PointSpec], gaps: RegisterGaps) {
        self.table = table
        self.gaps = gaps
        let mine = points.filter { $0.table == table }
        guard let low = mine.map(\.address).min(), let high = mine.map(\.span.upperBound).max() else {
            start = 0
            count = 0
            defined = []
            writeMask = []
            return
        }
        start = low
        count = high - low
        var defined = [Bool](repeating: false, count: count)
        var writeMask = [UInt16](repeating: 0, count: count)
        for p in mine {
            for a in p.span {
                defined[a - low] = true
                if p.isWritable, table.isWritable {
                    writeMask[a - low] |= p.bits?.mask ?? 0xFFFF
                }
            }
        }
        self.defined = defined
        self.writeMask = writeMask
    }

    /// Whether a read of `count` items from `address` stays inside what the device answers for.
    func canRead(_ address: Int, _ count: Int) -> Bool {
        guard address >= start, address + count <= start + self.count else { return false }
        if gaps == .readable { return true }
        for a in address..<(address + count) where !defined[a - start] { return false }
        return true
    }

    /// Whether every address of a write of `count` items from `address` holds something writable.
    func canWrite(_ address: Int, _ count: Int) -> Bool {
        guard address >= start, address + count <= start + self.count else { return false }
        for a in address..<(address + count) where writeMask[a - start] == 0 { return false }
        return true
    }

    func contains(_ address: Int, _ count: Int) -> Bool {
        address >= start && count >= 0 && address + count <= start + self.count
    }
}

/// What a device answers for addresses inside its map that no point covers (the gaps between
/// points).
package enum RegisterGaps: Sendable, Hashable {
    /// Gaps read as whatever they hold (0 unless set raw), as most devices do; the gateway's read
    /// planner bridges small gaps for this reason.
    case readable
    /// Any read touching a gap is refused with exception 0x02 (illegal data address), as some
    /// devices do; their profiles set `maxGap: 0` so the planner never bridges one.
    case refused

    /// The behaviour a profile describes for a table: refused when its read limits forbid the
    /// planner to bridge gaps there (`maxGap: 0` for registers, `maxBitGap: 0` for bits).
    package init(profile: DeviceProfile, table: RegisterTable) {
        let limits = profile.modbus.readLimits
        self = (table.isBitTable ? limits.maxBitGap : limits.maxGap) == 0 ? .refused : .readable
    }
}
