import FieldHAL

/// A fault on the wire, for one device or a whole bus or TCP endpoint (`WireFaults`). Value
/// faults (stuck, drift, out of range, open loop) belong to the device models, which set values
/// through `RegisterBank`.
///
/// What the master sees, e.g. through FieldHAL's `ModbusClient`:
///
/// | fault | RTU | TCP | request applied |
/// |---|---|---|---|
/// | `noResponse` | timeout | timeout | no |
/// | `slowResponse(d)` | answer `d` late (timeout if beyond the master's) | same | yes |
/// | `corruptReply` | bad CRC | invalid frame (function code garbled) | yes |
/// | `exception(c)` | exception `c` | exception `c` | no |
/// | `intermittent(p, seed, f)` | `f` on p % of requests | same | as `f` |
package indirect enum WireFault: Sendable, Hashable, CustomStringConvertible {
    /// Silent: the device is off or its transceiver dead; on a bus or endpoint, power loss.
    case noResponse
    /// Answers this much later than it would (on top of pacing).
    case slowResponse(Duration)
    /// Answers with a damaged frame: a wrong CRC on RTU, a garbled function code on TCP.
    case corruptReply
    /// Answers every request with this exception, e.g. `.serverDeviceBusy`.
    case exception(ModbusExceptionCode)
    /// `fault` hits `percent` % (0–100) of requests, picked by a generator seeded with `seed`:
    /// the same seed hits the same requests in every run.
    case intermittent(percent: Double, seed: UInt64, fault: WireFault = .noResponse)

    package var description: String {
        switch self {
        case .noResponse: "no response"
        case .slowResponse(let d): "slow response (+\(d))"
        case .corruptReply: "corrupt reply"
        case .exception(let code): code.description
        case .intermittent(let p, let seed, let f): "\(f) on \(p) % of requests (seed \(seed))"
        }
    }
}
