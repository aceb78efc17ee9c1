/// A read (查询) from the centre: a request frame (command 4) carrying one data unit of the
/// "read" types 61–89 (GB/T 26875.3-2011 table 3, object layouts as the open-source codecs of
/// the standard report them: docs/gb26875.md, "Reads from the centre"). The gateway answers the
/// ones it can answer truthfully; the others are denied.
package enum GB26875Query: Sendable, Hashable {
    /// 61 读建筑消防设施系统状态: system type (1), system address (1).
    case systemStatus(GB26875System)
    /// 62 读建筑消防设施部件运行状态: system type, system address, component address (4, low byte
    /// first). The request names no component type: every component at that address answers.
    case componentStatus(GB26875System, componentAddress: UInt32)
    /// 63 读建筑消防设施部件模拟量值: as 62.
    case analogValue(GB26875System, componentAddress: UInt32)
    /// 81 读用户信息传输装置运行状态: one reserved byte.
    case deviceStatus
    /// 88 读用户信息传输装置系统时间: one reserved byte.
    case deviceTime

    /// The read types of table 3, their names (for the log) and the size of one object, and
    /// which of them the gateway answers.
    package static let readTypes: [UInt8: (name: String, size: Int, answered: Bool)] = [
        61: ("read system state", 2, true),
        62: ("read component state", 6, true),
        63: ("read component analogue value", 6, true),
        64: ("read facility operation records", 9, false),
        65: ("read facility software version", 2, false),
        66: ("read system configuration", 2, false),
        67: ("read component configuration", 6, false),
        68: ("read facility system time", 2, false),
        81: ("read device running state", 1, true),
        84: ("read device operation records", 7, false),
        85: ("read device software version", 1, false),
        86: ("read device configuration", 1, false),
        88: ("read device system time", 1, true),
        89: ("initialise the device", 1, false),
    ]

    /// The queries of a request's application data: one data unit, type and count, then `count`
    /// objects of the type's size and nothing after them.
    package static func parse(_ data: [UInt8]) -> Result<[GB26875Query], GB26875QueryError> {
        guard data.count >= 2 else { return .failure(.malformed("request with \(data.count) data bytes (a data unit needs at least 2)")) }
        let type = data[0], count = Int(data[1])
        guard let spec = readTypes[type] else { return .failure(.unsupported(type, "type \(type) is not a read type of table 3")) }
        guard spec.answered else { return .failure(.unsupported(type, spec.name)) }
        guard count > 0 else { return .failure(.malformed("\(spec.name) (type \(type)) with no objects")) }
        guard data.count - 2 == count * spec.size else {
            return .failure(.malformed("\(spec.name) (type \(type)): \(count) objects of \(spec.size) bytes need \(count * spec.size), the request has \(data.count - 2)"))
        }
        return .success((0..<count).map { i in
            let o = Array(data[(2 + i * spec.size)..<(2 + (i + 1) * spec.size)])
            switch type {
            case 61: return .systemStatus(GB26875System(type: o[0], address: o[1]))
            case 62: return .componentStatus(GB26875System(type: o[0], address: o[1]), componentAddress: address(o[2..<6]))
            case 63: return .analogValue(GB26875System(type: o[0], address: o[1]), componentAddress: address(o[2..<6]))
            case 81: return .deviceStatus
            default: return .deviceTime
            }
        })
    }

    /// A 4-byte component address, low byte first.
    private static func address(_ b: ArraySlice<UInt8>) -> UInt32 {
        var a: UInt32 = 0
        for (i, byte) in b.enumerated() {
            let shift = UInt32(8 * i)
            a |= UInt32(byte) << shift
        }
        return a
    }
}

/// Why a request from the centre is denied without looking at the gateway's state.
package enum GB26875QueryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Its layout is wrong (too short, no objects, a size that is no whole number of objects).
    case malformed(String)
    /// A read the gateway does not answer (type, what it is).
    case unsupported(UInt8, String)

    package var description: String {
        switch self {
        case .malformed(let why): "malformed request: \(why)"
        case .unsupported(let type, let what): "\(what) (type \(type)) is not answered by this gateway"
        }
    }
}

/// The gateway's answer to a request: a response's data unit, or a deny and why.
package enum GB26875Answer: Sendable, Hashable {
    case response([UInt8])
    case deny(String)
}
