import FieldCore
import FieldDevices

/// A device of a site's own profile (or any profile without physics here): it serves every point
/// at a steady value — the middle of its valid range, else 0 — and its input contacts released,
/// until `fieldsim ctl set` or `ramp` moves them.
final class GenericModel: DeviceModel {
    let device: DeviceConfig

    init(device: DeviceConfig) { self.device = device }

    var knobs: [Knob] { [] }

    func factoryValues() -> [String: PointValue] {
        var values: [String: PointValue] = [:]
        for p in device.profile.points {
            if p.type == .bool || p.table.isBitTable {
                values[p.name] = .bool(false)
            } else if let loop = p.loop {
                values[p.name] = .number(loop.current(for: (loop.low + loop.high) / 2))
            } else if let r = p.range {
                values[p.name] = .number((r.lowerBound + r.upperBound) / 2)
            }
        }
        return values
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        for s in device.profile.signals where s.direction == .input { io.contacts[s.name] = false }
    }
}
