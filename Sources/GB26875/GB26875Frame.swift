import FieldCore

/// A frame of GB 26875.3 (the remote-monitoring protocol between a building's fire-safety
/// facilities and a fire alarm operations centre), as an extra uplink for fire-water sites.
///
/// Layout (GB/T 26875.3-2011 §6, as docs/gb26875.md tables it): `@@`, serial number (2 bytes, little-endian),
/// protocol version (2 bytes), time (6 bytes: second, minute, hour, day, month, year − 2000),
/// source address (6), destination address (6), data length (2, little-endian), command (1),
/// data, checksum (1: sum mod 256 of the bytes from the serial number to the end of the data),
/// `##`.
package struct GB26875Frame: Hashable, Sendable {
    /// The command byte.
    package enum Command: UInt8, Sendable, CaseIterable {
        case control = 1
        case sendData = 2
        case confirm = 3
        case request = 4
        case response = 5
        case deny = 6
    }

    package var serial: UInt16
    package var versionMajor: UInt8
    package var versionMinor: UInt8
    /// The sender's local time.
    package var time: CivilTime
    package var source: GB26875Address
    package var destination: GB26875Address
    package var command: Command
    /// The application data: data units, or nothing for a confirmation.
    package var data: [UInt8]

    package init(serial: UInt16, versionMajor: UInt8 = 1, versionMinor: UInt8 = 0, time: CivilTime,
                source: GB26875Address, destination: GB26875Address, command: Command, data: [UInt8] = []) {
        (self.serial, self.versionMajor, self.versionMinor, self.time) = (serial, versionMajor, versionMinor, time)
        (self.source, self.destination, self.command, self.data) = (source, destination, command, data)
    }

    /// Start and end markers.
    package static let start: [UInt8] = [0x40, 0x40]
    package static let end: [UInt8] = [0x23, 0x23]
    /// Bytes around the data: markers, header, command and checksum.
    package static let overhead = 2 + 2 + 2 + 6 + 6 + 6 + 2 + 1 + 1 + 2
    /// The most application data one frame carries: the standard limits the application data
    /// unit to 1024 bytes (the length field could say 65535; a centre that follows the standard
    /// skips a longer frame as garbage, as fieldsim's does).
    package static let maxData = 1024

    /// The time label: second, minute, hour, day, month, year − 2000 (the standard's order).
    package static func timeLabel(_ t: CivilTime) throws(GB26875Error) -> [UInt8] {
        guard (2000...2255).contains(t.year) else { throw .yearOutOfRange(t.year) }
        return [t.second, t.minute, t.hour, t.day, t.month].map { UInt8(clamping: $0) } + [UInt8(t.year - 2000)]
    }

    /// The frame's bytes.
    /// - Throws: `GB26875Error` when the data is over `maxData` bytes or the time does not fit
    ///   the year field.
    package func encoded() throws(GB26875Error) -> [UInt8] {
        guard data.count <= Self.maxData else { throw .dataTooLong(data.count) }
        let label = try Self.timeLabel(time)
        var body: [UInt8] = []
        body.reserveCapacity(Self.overhead + data.count)
        body += [UInt8(serial & 0xFF), UInt8(serial >> 8), versionMajor, versionMinor]
        body += label
        body += source.bytes + destination.bytes
        body += [UInt8(data.count & 0xFF), UInt8(data.count >> 8), command.rawValue]
        body += data
        return Self.start + body + [Self.checksum(body)] + Self.end
    }

    /// Sum mod 256 of `bytes`.
    package static func checksum(_ bytes: [UInt8]) -> UInt8 {
        bytes.reduce(0) { $0 &+ $1 }
    }
}

/// A 6-byte GB 26875.3 address (of a user information transmission device or a centre).
package struct GB26875Address: Hashable, Sendable {
    package let bytes: [UInt8]

    /// - Returns: nil unless `bytes` has exactly 6 bytes.
    package init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// The low 48 bits of `value`, least significant byte first.
    package init(_ value: UInt64) {
        bytes = (0..<6).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// Why a frame or data unit cannot be encoded.
package enum GB26875Error: Error, Hashable, Sendable, CustomStringConvertible {
    case dataTooLong(Int)
    case yearOutOfRange(Int)
    case tooManyObjects(Int)
    case valueOutOfRange(String)

    package var description: String {
        switch self {
        case .dataTooLong(let n): "GB 26875.3 frame: \(n) bytes of application data are over the standard's limit of \(GB26875Frame.maxData)"
        case .yearOutOfRange(let y): "GB 26875.3 frame: year \(y) does not fit the one-byte year field (2000…2255)"
        case .tooManyObjects(let n): "GB 26875.3 data unit: \(n) objects do not fit the one-byte count (max 255)"
        case .valueOutOfRange(let what): "GB 26875.3 data unit: \(what)"
        }
    }
}
