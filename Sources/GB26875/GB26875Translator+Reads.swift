import FieldCore

extension GB26875Translator {
    /// The answer to a read from the centre, from what the gateway knows now: the states it keeps
    /// for every mapped component and system, the current reading of a mapped analogue point,
    /// its own running state and clock. A read it cannot answer truthfully (an unmapped system or
    /// component, a point without a good reading) is denied, with the reason for the log; so is
    /// one whose answer would be over the standard's 1024 bytes of application data (a read of
    /// 23 or more components at one address): the answer to a request is one response frame,
    /// which cannot be split, and a shortened one would not be the whole truth.
    /// - Parameters:
    ///   - queries: the request's objects (all of one type).
    ///   - now: the device's time for the time labels of answers that have no time of their own
    ///     (the link's time, with the centre's time sync applied, as `civil` applies it).
    ///   - current: a point's current reading (the engine's point table).
    package func answer(_ queries: [GB26875Query], now: CivilTime, current: (PointRef) -> Reading?) -> GB26875Answer {
        guard let first = queries.first else { return .deny("a request without objects") }
        let kind: GB26875DataUnit.Kind = switch first {
        case .systemStatus: .systemStatus
        case .componentStatus: .componentStatus
        case .analogValue: .analogValue
        case .deviceStatus: .deviceStatus
        case .deviceTime: .deviceTime
        }
        var objects: [[UInt8]] = []
        do throws(GB26875Error) {
            for q in queries {
                switch objectsAnswering(q, now: now, current: current) {
                case .success(let o): objects += o
                case .failure(let why): return .deny(why.text)
                }
            }
            let unit = try GB26875DataUnit(kind, objects: objects).encoded()
            guard unit.count <= GB26875Frame.maxData else {
                return .deny("the answer's \(objects.count) objects take \(unit.count) bytes, over the standard's \(GB26875Frame.maxData) bytes of application data")
            }
            return .response(unit)
        } catch {
            return .deny("\(error)")
        }
    }

    private struct Refusal: Error {
        var text: String
    }

    private func objectsAnswering(_ q: GB26875Query, now: CivilTime, current: (PointRef) -> Reading?) -> Result<[[UInt8]], Refusal> {
        do throws(GB26875Error) {
            switch q {
            case .systemStatus(let s):
                guard mappings.contains(where: { $0.system == s }) else { return .failure(Refusal(text: "system \(s.type)/\(s.address) is not mapped")) }
                return .success([try GB26875Object.systemStatus(s, state: stateOf(system: s), time: label(systemChangedAt(s), now))])
            case .componentStatus(let s, let address):
                let found = components(s, address)
                guard !found.isEmpty else { return .failure(Refusal(text: "no component at \(address) in system \(s.type)/\(s.address)")) }
                return .success(try found.map { m throws(GB26875Error) in
                    try GB26875Object.componentStatus(s, m.component, state: stateOf(component: m.component),
                                                      description: m.point?.description ?? m.device, time: label(changedAt(m.component), now))
                })
            case .analogValue(let s, let address):
                let found = mappings.filter { $0.system == s && $0.component.address == address && $0.analog != nil && $0.point != nil }
                guard !found.isEmpty else {
                    return .failure(Refusal(text: "no analogue point at component \(address) in system \(s.type)/\(s.address)"))
                }
                var out: [[UInt8]] = []
                for m in found {
                    guard let ref = m.point, let (type, scale) = m.analog else { continue }
                    guard let r = current(ref), r.quality == .good, let v = r.value?.number else {
                        let quality = current(ref).map { "\($0.quality)" } ?? "none yet"
                        return .failure(Refusal(text: "\(ref) has no good reading (\(quality))"))
                    }
                    guard let raw = Self.analogRaw(v, scale: scale) else {
                        return .failure(Refusal(text: "\(ref): \(v) × \(scale) does not fit the signed 2-byte field (−32768…32767)"))
                    }
                    out.append(try GB26875Object.analogValue(s, m.component, analogType: type, value: Int(raw), time: civil(r.time)))
                }
                return .success(out)
            case .deviceStatus:
                return .success([try GB26875Object.deviceStatus(deviceState(), time: now)])
            case .deviceTime:
                return .success([try GB26875Object.deviceTime(now)])
            }
        } catch {
            return .failure(Refusal(text: "\(error)"))
        }
    }

    /// The mapped components at `address` in system `s`, one entry per component (the first).
    private func components(_ s: GB26875System, _ address: UInt32) -> [GB26875PointMapping] {
        var seen = Set<GB26875ComponentRef>()
        return mappings.filter { $0.system == s && $0.component.address == address && seen.insert($0.component).inserted }
    }

    private func label(_ t: Timestamp?, _ now: CivilTime) -> CivilTime { t.map(civil) ?? now }
}
