import FieldCore

/// A data unit (GB/T 26875.3-2011 §8.1): type flag (1 byte), number of information objects
/// (1 byte), then the objects; each object of the "upload" types ends with its 6-byte time label.
package struct GB26875DataUnit: Hashable, Sendable {
    /// The type flags the gateway sends or understands (the standard's table 3; docs/gb26875.md).
    package enum Kind: UInt8, Sendable, CaseIterable {
        /// Building fire facility system state: system type, system address, state (2 bytes).
        case systemStatus = 1
        /// Building fire facility component state: system type and address, component type and
        /// address (4 bytes), state (2 bytes), description (31 bytes).
        case componentStatus = 2
        /// Component analogue value: system, component, analogue type (1), value (2, signed).
        case analogValue = 3
        /// Building fire facility operation record: system, operation flags (1), operator (1).
        case operationRecord = 4
        /// The transmission device's own running state (1 byte of flags).
        case deviceStatus = 21
        /// The transmission device's operation record: flags (1), operator (1).
        case deviceOperation = 24
        /// The transmission device's system time (answer to a read of type 88): the time (6), no
        /// time label after it.
        case deviceTime = 28
        /// Synchronise the device's clock (centre → device, control command): a 6-byte time.
        case timeSync = 90
        /// Roll call (查岗, centre → device, control command): no object body.
        case rollCall = 91
    }

    /// Component type codes used by the fire-water and electrical fire families (the standard's
    /// table 6; a site may give any other code as a number).
    package enum Component: UInt8, Sendable, CaseIterable {
        /// 电气火灾监控报警器: the monitoring unit (GB 14287.1's monitoring equipment).
        case electricalFireMonitor = 16
        /// 剩余电流式电气火灾监控探测器 (GB 14287.2).
        case residualCurrentDetector = 17
        /// 测温式电气火灾监控探测器 (GB 14287.3).
        case temperatureSensingDetector = 18
        case firePump = 91
        case fireTank = 92
        case sprinklerPump = 95
        case flowIndicator = 96
        case signalValve = 97
        case alarmValve = 98
        case pressureSwitch = 99
    }

    package var kind: Kind
    package var objects: [[UInt8]]

    package init(_ kind: Kind, objects: [[UInt8]]) {
        self.kind = kind
        self.objects = objects
    }

    /// - Throws: `GB26875Error.tooManyObjects` beyond 255 objects.
    package func encoded() throws(GB26875Error) -> [UInt8] {
        guard objects.count <= 255 else { throw .tooManyObjects(objects.count) }
        return [kind.rawValue, UInt8(objects.count)] + objects.flatMap { $0 }
    }
}

/// A building fire facility system: its type code (table 4: 11 fire hydrant system, 12 automatic
/// sprinkler system, …) and its address.
package struct GB26875System: Hashable, Sendable {
    package var type: UInt8
    package var address: UInt8

    package init(type: UInt8, address: UInt8) {
        self.type = type
        self.address = address
    }
}

/// A component of a system: its type code (table 6) and 4-byte address (low byte first).
package struct GB26875ComponentRef: Hashable, Sendable {
    package var type: UInt8
    package var address: UInt32

    package init(type: UInt8, address: UInt32) {
        self.type = type
        self.address = address
    }

    var addressBytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: address >> (8 * $0)) } }
}

/// State bits of a system (§8.2.1.1) or component (§8.2.1.2); bit 0 set is "normal running",
/// clear is "test".
package struct GB26875State: OptionSet, Hashable, Sendable {
    package let rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package static let normal = GB26875State(rawValue: 1 << 0)
    package static let fireAlarm = GB26875State(rawValue: 1 << 1)
    package static let fault = GB26875State(rawValue: 1 << 2)
    package static let disabled = GB26875State(rawValue: 1 << 3)
    package static let supervisory = GB26875State(rawValue: 1 << 4)
    package static let started = GB26875State(rawValue: 1 << 5)
    package static let feedback = GB26875State(rawValue: 1 << 6)
    package static let delayed = GB26875State(rawValue: 1 << 7)
    package static let powerFault = GB26875State(rawValue: 1 << 8)
}

/// The information objects the gateway sends, byte by byte (docs/gb26875.md, "Data units").
package enum GB26875Object {
    /// The description field of a component state: 31 bytes. The standard encodes it in GB 18030;
    /// the firmware has no GB 18030 table, so it sends ASCII only (other characters become `?`),
    /// padded with zeros.
    package static let descriptionBytes = 31

    package static func systemStatus(_ system: GB26875System, state: GB26875State, time: CivilTime) throws(GB26875Error) -> [UInt8] {
        [system.type, system.address] + le16(state.rawValue) + (try GB26875Frame.timeLabel(time))
    }

    package static func componentStatus(_ system: GB26875System, _ component: GB26875ComponentRef, state: GB26875State,
                                       description: String, time: CivilTime) throws(GB26875Error) -> [UInt8] {
        var text = description.unicodeScalars.prefix(descriptionBytes).map { $0.isASCII && $0.value >= 0x20 ? UInt8($0.value) : UInt8(ascii: "?") }
        text += Array(repeating: 0, count: descriptionBytes - text.count)
        return [system.type, system.address, component.type] + component.addressBytes + le16(state.rawValue) + text
            + (try GB26875Frame.timeLabel(time))
    }

    /// - Parameter value: the analogue value in the type's unit (e.g. 0.1 kPa), −32768…32767.
    package static func analogValue(_ system: GB26875System, _ component: GB26875ComponentRef, analogType: UInt8, value: Int,
                                   time: CivilTime) throws(GB26875Error) -> [UInt8] {
        guard let v = Int16(exactly: value) else {
            throw .valueOutOfRange("analogue value \(value) of type \(analogType) does not fit the signed 2-byte field (−32768…32767)")
        }
        return [system.type, system.address, component.type] + component.addressBytes + [analogType] + le16(UInt16(bitPattern: v))
            + (try GB26875Frame.timeLabel(time))
    }

    package static func operationRecord(_ system: GB26875System, operations: GB26875Operations, operatorNumber: UInt8,
                                       time: CivilTime) throws(GB26875Error) -> [UInt8] {
        [system.type, system.address, operations.rawValue, operatorNumber] + (try GB26875Frame.timeLabel(time))
    }

    package static func deviceStatus(_ state: GB26875DeviceState, time: CivilTime) throws(GB26875Error) -> [UInt8] {
        [state.rawValue] + (try GB26875Frame.timeLabel(time))
    }

    package static func deviceOperation(_ operations: GB26875Operations, operatorNumber: UInt8, time: CivilTime) throws(GB26875Error) -> [UInt8] {
        [operations.rawValue, operatorNumber] + (try GB26875Frame.timeLabel(time))
    }

    /// The device's system time: the 6-byte time itself (type 28 has no separate time label).
    package static func deviceTime(_ time: CivilTime) throws(GB26875Error) -> [UInt8] {
        try GB26875Frame.timeLabel(time)
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
}

/// Operation flags of an operation record (§8.2.1.4 for facilities, §8.2.1.10 for the device):
/// bit 5 is "confirm" for a facility and "roll call answered" for the device.
package struct GB26875Operations: OptionSet, Hashable, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let reset = GB26875Operations(rawValue: 1 << 0)
    package static let silence = GB26875Operations(rawValue: 1 << 1)
    package static let manualAlarm = GB26875Operations(rawValue: 1 << 2)
    package static let alarmCleared = GB26875Operations(rawValue: 1 << 3)
    package static let selfTest = GB26875Operations(rawValue: 1 << 4)
    package static let confirm = GB26875Operations(rawValue: 1 << 5)
    package static let test = GB26875Operations(rawValue: 1 << 6)
}

/// The transmission device's running state (§8.2.1.9).
package struct GB26875DeviceState: OptionSet, Hashable, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let monitoring = GB26875DeviceState(rawValue: 1 << 0)
    package static let fireAlarm = GB26875DeviceState(rawValue: 1 << 1)
    package static let fault = GB26875DeviceState(rawValue: 1 << 2)
    package static let mainPowerFault = GB26875DeviceState(rawValue: 1 << 3)
    package static let standbyPowerFault = GB26875DeviceState(rawValue: 1 << 4)
    package static let centreLinkFault = GB26875DeviceState(rawValue: 1 << 5)
    package static let lineFault = GB26875DeviceState(rawValue: 1 << 6)
}
