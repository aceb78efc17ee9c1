import FieldCore

/// What came back for one `ReadRequest`.
package enum ReadResponse: Sendable, Hashable {
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
    package func decode(_ responses: [ReadResponse], now: Timestamp, onlineSince: Timestamp?,
                       into readings: inout [Reading?]) {
        if readings.count < points.count { readings.append(contentsOf: repeatElement(nil, count: points.count - readings.count)) }
        for r in requests.indices {
            let isBitTable = requests[r].table.isBitTable
            switch r < responses.count ? responses[r] : .failed {
            case .registers(let regs) where !isBitTable:
                for s in slotStart[r]..<slotStart[r + 1] {
                    let slot = slots[s]
                    if regs.count >= slot.offset + slot.codec.count {
                        store(slot.codec.value(regs, at: slot.offset), slot, now, onlineSince, &readings)
                    } else {
                        markFailed(slot.point, now, &readings)
                    }
                }
            case .bits(let bits) where isBitTable:
                for s in slotStart[r]..<slotStart[r + 1] {
                    let slot = slots[s]
                    if bits.count > slot.offset {
                        store(.bool(bits[slot.offset]), slot, now, onlineSince, &readings)
                    } else {
                        markFailed(slot.point, now, &readings)
                    }
                }
            default:
                for s in slotStart[r]..<slotStart[r + 1] { markFailed(slots[s].point, now, &readings) }
            }
        }
        for link in statusLinks {
            guard let status = readings[link.status], status.quality == .good, status.time == now,
                  let raw = status.value?.number, let word = UInt64(exactly: raw),
                  let reading = readings[link.point], reading.time == now,
                  let flagged = link.masks.quality(status: word) else { continue }
            readings[link.point]?.quality = worse(reading.quality, flagged)
        }
    }

    private func store(_ value: PointValue, _ slot: Slot, _ now: Timestamp, _ onlineSince: Timestamp?,
                       _ readings: inout [Reading?]) {
        readings[slot.point] = slot.codec.judge(value, previous: readings[slot.point], now: now, onlineSince: onlineSince)
    }

    /// A comm-error reading that keeps the last value.
    private func markFailed(_ point: Int, _ now: Timestamp, _ readings: inout [Reading?]) {
        readings[point] = Reading(readings[point]?.value, quality: .commError, at: now)
    }
}
