import FieldCore

/// What came back for one `ReadRequest`.
public enum ReadResponse: Sendable, Hashable {
    /// The registers read (holding or input), `count` of them.
    case registers([UInt16])
    /// The coils or discrete inputs read, `count` of them.
    case bits([Bool])
    /// No usable answer (timeout, CRC error, exception, connection lost, or not attempted
    /// because the device is offline).
    case failed
}

extension ReadPlan {
    /// Turns one poll cycle's answers into readings, one per read point.
    ///
    /// `readings` is indexed like `points` and holds each point's previous reading on entry (nil
    /// when there is none); read points get their new reading, write-only points are left alone.
    /// Quality, worst first:
    /// - comm-error: the point's request failed or its answer was short (the last value is kept);
    /// - warming-up: within the point's `warmUp` after `onlineSince`, or a `warmingUp` status bit;
    /// - sensor-fault: a 4–20 mA current in the NE43 failure bands, a non-finite number (NaN
    ///   sent as an error marker), or a `sensorFault` status bit;
    /// - out-of-range: outside the point's `range`, a loop current in an ambiguous band (the last
    ///   value is kept), or an `outOfRange` status bit;
    /// - good.
    ///
    /// - Parameters:
    ///   - responses: one per request, in `requests` order (missing ones count as failed).
    ///   - now: the time stamped on the readings.
    ///   - onlineSince: when the device last came online (answered after being offline), for warm-up.
    public func decode(_ responses: [ReadResponse], now: Timestamp, onlineSince: Timestamp?,
                       into readings: inout [Reading?]) {
        if readings.count < points.count { readings.append(contentsOf: repeatElement(nil, count: points.count - readings.count)) }
        for r in requests.indices {
            let request = requests[r]
            let response = r < responses.count ? responses[r] : .failed
            for s in slotStart[r]..<slotStart[r + 1] {
                let slot = slots[s]
                let p = points[slot.point]
                let previous = readings[slot.point]
                let value: PointValue?
                switch response {
                case .registers(let regs) where !request.table.isBitTable && regs.count >= slot.offset + p.count:
                    value = p.decode(regs, at: slot.offset)
                case .bits(let bits) where request.table.isBitTable && bits.count > slot.offset:
                    value = .bool(bits[slot.offset])
                default:
                    value = nil
                }
                guard let value else {
                    readings[slot.point] = Reading(previous?.value, quality: .commError, at: now)
                    continue
                }
                readings[slot.point] = p.judge(value, previous: previous, now: now, onlineSince: onlineSince)
            }
        }
        for link in statusLinks {
            guard let status = readings[link.status], status.quality == .good, status.time == now,
                  let raw = status.value?.number, let word = UInt64(exactly: raw),
                  let reading = readings[link.point], reading.time == now,
                  let flagged = link.source.quality(status: word) else { continue }
            readings[link.point]?.quality = worse(reading.quality, flagged)
        }
    }
}

extension PointSpec {
    /// A freshly read value (in `unit`) as a reading with its quality: loop, non-finite numbers,
    /// range, warm-up. Status bits are applied by the plan afterwards.
    func judge(_ value: PointValue, previous: Reading?, now: Timestamp, onlineSince: Timestamp?) -> Reading {
        var reading = Reading(value, at: now)
        if case .number(var n) = value {
            if !n.isFinite {
                reading = Reading(nil, quality: .sensorFault, at: now)
            } else if let loop {
                switch loop.band(ofCurrent: n) {
                case .failure:
                    reading = Reading(nil, quality: .sensorFault, at: now)
                case .ambiguous:
                    reading = Reading(previous?.value, quality: .outOfRange, at: now)
                case .saturatedLow, .measurement, .saturatedHigh:
                    n = loop.value(ofCurrent: n)
                    reading = Reading(.number(n), at: now)
                }
            }
            if reading.quality == .good, let range, !range.contains(n) { reading.quality = .outOfRange }
        }
        if let warmUp, let onlineSince, now - onlineSince < warmUp {
            reading.quality = worse(reading.quality, .warmingUp)
        }
        return reading
    }
}

/// The less trustworthy of two qualities (comm-error > warming-up > sensor-fault > out-of-range
/// > insufficient-data > stale > good).
func worse(_ a: Quality, _ b: Quality) -> Quality {
    func rank(_ q: Quality) -> Int {
        switch q {
        case .good: 0
        case .stale: 1
        case .insufficientData: 2
        case .outOfRange: 3
        case .sensorFault: 4
        case .warmingUp: 5
        case .commError: 6
        }
    }
    return rank(a) >= rank(b) ? a : b
}
