import FieldCore
import FieldHAL

/// Counters of one device's traffic (issue 4: requests, timeouts, CRC errors, exceptions,
/// latency).
package struct DeviceStatistics: Sendable, Hashable, Codable {
    package var requests = 0
    package var failures = 0
    package var timeouts = 0
    package var crcErrors = 0
    package var exceptions = 0
    package var otherErrors = 0
    /// Sum and maximum of answered requests' round trips, in microseconds.
    package var latencyTotalMicros: Int64 = 0
    package var latencyMaxMicros: Int64 = 0
    package var answered = 0
    package var online = false
    package var lastError: String?
    /// Points the device refuses to read, with the exception it answers (`illegal data address`).
    package var refused: [String: String] = [:]
    /// Bytes thrown away after the device's failed requests: its late answers, or its noise.
    package var discardedBytes = 0

    package init() {}

    package var averageLatencyMillis: Double { answered == 0 ? 0 : Double(latencyTotalMicros) / Double(answered) / 1000 }

    mutating func record(_ error: ModbusError?, micros: Int64) {
        requests += 1
        guard let error else {
            answered += 1
            latencyTotalMicros += micros
            latencyMaxMicros = max(latencyMaxMicros, micros)
            return
        }
        failures += 1
        lastError = error.kind.summary
        switch error.kind {
        case .timeout: timeouts += 1
        case .badCRC, .invalidFrame: crcErrors += 1
        case .exception: exceptions += 1
        default: otherErrors += 1
        }
    }
}

/// A bus's share of its capacity in use, over a sliding window.
package struct BusStatistics: Sendable, Hashable, Codable {
    package var name: String
    /// Transactions per second over the last window.
    package var transactionsPerSecond: Double = 0
    /// For RTU: the frames' time on the wire (from baud and framing, with two t3.5 gaps) per
    /// second of real time. For TCP: the share of time spent waiting for answers.
    package var utilisation: Double = 0
    package var queuedJobs = 0
    package var devices: [String: DeviceStatistics] = [:]
}

/// The physical cost of Modbus RTU frames on a serial line (DOMAIN.md): a read of N registers
/// costs (8 + 5 + 2N) characters plus two t3.5 gaps.
package struct RTUWireTime: Sendable, Hashable {
    package var characterNanos: Int64
    package var frameGapNanos: Int64

    package init(baud: Int, bitsPerCharacter: Int) {
        characterNanos = Int64(bitsPerCharacter) * 1_000_000_000 / Int64(baud)
        frameGapNanos = baud > 19_200 ? 1_750_000 : characterNanos * 7 / 2
    }

    /// Request + response characters of a read of `count` registers or bits.
    package static func readCharacters(count: Int, bits: Bool) -> Int {
        8 + 5 + (bits ? (count + 7) / 8 : 2 * count)
    }

    /// Request + response characters of a write of `count` registers or coils.
    package static func writeCharacters(count: Int, bits: Bool) -> Int {
        if count == 1 { return 8 + 8 }
        return 9 + (bits ? (count + 7) / 8 : 2 * count) + 8
    }

    /// Wire time of a transaction of `characters`, with its two frame gaps.
    package func nanos(characters: Int) -> Int64 {
        Int64(characters) * characterNanos + 2 * frameGapNanos
    }

    /// The most transactions per second a bus can carry for reads of `count` registers.
    package func maximumReadsPerSecond(count: Int) -> Double {
        1e9 / Double(nanos(characters: RTUWireTime.readCharacters(count: count, bits: false)))
    }
}
