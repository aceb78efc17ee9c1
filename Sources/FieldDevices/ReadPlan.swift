import FieldHAL

/// One Modbus read: `count` registers (or bits) of `table` from `address`.
package struct ReadRequest: Sendable, Hashable, CustomStringConvertible {
    package var table: RegisterTable
    package var address: Int
    package var count: Int
    /// The request carries an alarm-critical point (such requests come first in a cycle).
    package var critical: Bool

    package init(table: RegisterTable, address: Int, count: Int, critical: Bool = false) {
        self.table = table
        self.address = address
        self.count = count
        self.critical = critical
    }

    /// The function code that performs the request (0x01–0x04).
    package var function: UInt8 { table.readFunction }

    /// `input 0x0000+11`, with `!` for a critical request.
    package var description: String { "\(table) \(hex(address))+\(count)\(critical ? "!" : "")" }
}

/// The fewest legal read requests that cover every readable point of one device, and how to
/// turn their answers into readings (`decode`). Built once per device when the runtime starts;
/// decoding runs every poll cycle and allocates nothing beyond the readings it stores.
///
/// Points of the same table are coalesced while the unused registers between them stay within
/// `maxGap` (`maxBitGap` for coils and discrete inputs) and the request within `maxRegisters`
/// (`maxBits`); a point is never split across requests. Requests that carry a critical point
/// come first; otherwise requests follow table (coils, discrete inputs, holding, input) and
/// address order.
package struct ReadPlan: Sendable {
    package let points: [PointSpec]
    package let requests: [ReadRequest]
    package let limits: ReadLimits
    /// Points read on their own (indices into `points`): a device refused a coalesced read of
    /// them (`isolating(_:)`). They are also where no other request may reach across.
    package let isolated: Set<Int>

    /// A point's place in a request's answer, and how to decode it.
    struct Slot: Sendable {
        var point: Int
        var offset: Int
        var codec: PointCodec
    }

    /// A point whose quality follows a status point.
    struct StatusLink: Sendable {
        var point: Int
        var status: Int
        var masks: StatusMasks
    }

    /// The slots of request `i` are `slots[slotStart[i]..<slotStart[i + 1]]`.
    let slots: [Slot]
    let slotStart: [Int]
    let statusLinks: [StatusLink]

    /// Plans the reads of a profile's points with the profile's read limits, or `limits` (a
    /// site's bus or device may be stricter than the profile).
    package init(profile: DeviceProfile, limits: ReadLimits? = nil) {
        self.init(points: profile.points, limits: limits ?? profile.modbus.readLimits)
    }

    package init(points: [PointSpec], limits: ReadLimits = ReadLimits(), isolated: Set<Int> = []) {
        self.points = points
        self.limits = limits
        self.isolated = isolated
        var blocks: [(request: ReadRequest, slots: [Slot])] = []
        for table in RegisterTable.allCases {
            let maxCount = min(table.isBitTable ? limits.maxBits : limits.maxRegisters, table.protocolReadLimit)
            let maxGap = table.isBitTable ? limits.maxBitGap : limits.maxGap
            let members = points.indices
                .filter { points[$0].table == table && points[$0].isReadable }
                .sorted { (points[$0].address, $0) < (points[$1].address, $1) }
            var current: (request: ReadRequest, slots: [Slot])?
            for i in members {
                let p = points[i]
                if isolated.contains(i) {
                    if let c = current { blocks.append(c) }
                    current = nil
                    blocks.append((ReadRequest(table: table, address: p.address, count: p.count, critical: p.priority == .critical),
                                   [Slot(point: i, offset: 0, codec: PointCodec(p))]))
                    continue
                }
                if var c = current {
                    let end = c.request.address + c.request.count
                    let newEnd = max(end, p.span.upperBound)
                    if p.address - end <= maxGap, newEnd - c.request.address <= maxCount {
                        c.request.count = newEnd - c.request.address
                        c.request.critical = c.request.critical || p.priority == .critical
                        c.slots.append(Slot(point: i, offset: p.address - c.request.address, codec: PointCodec(p)))
                        current = c
                        continue
                    }
                    blocks.append(c)
                }
                current = (ReadRequest(table: table, address: p.address, count: p.count, critical: p.priority == .critical),
                           [Slot(point: i, offset: 0, codec: PointCodec(p))])
            }
            if let current { blocks.append(current) }
        }
        let ordered = blocks.filter(\.request.critical) + blocks.filter { !$0.request.critical }
        requests = ordered.map(\.request)
        slots = ordered.flatMap(\.slots)
        var start = [0]
        for b in ordered { start.append(start[start.count - 1] + b.slots.count) }
        slotStart = start
        statusLinks = points.indices.compactMap { i in
            guard let s = points[i].statusFrom, let status = points.firstIndex(where: { $0.name == s.point }) else { return nil }
            return StatusLink(point: i, status: status, masks: StatusMasks(s))
        }
    }

    /// The indices (into `points`) of the points request `i` reads.
    package func pointIndices(ofRequest i: Int) -> [Int] {
        slots[slotStart[i]..<slotStart[i + 1]].map(\.point)
    }

    /// The same plan with the points of request `i` read one by one from now on (a device
    /// answered the coalesced read with an exception: a register it does not have in the middle).
    package func isolating(request i: Int) -> ReadPlan {
        ReadPlan(points: points, limits: limits, isolated: isolated.union(pointIndices(ofRequest: i)))
    }

    /// How many points the plan reads (what one request per point would cost).
    package var readablePointCount: Int { points.count { $0.isReadable } }
}
