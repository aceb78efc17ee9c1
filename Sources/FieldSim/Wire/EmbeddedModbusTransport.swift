import FieldCore
import FieldHAL
import Synchronization

/// A Modbus transport with no wire, in the spirit of swift-nio's `EmbeddedChannel`: devices are
/// register banks (`RegisterBank`, with a real device's exception semantics) at unit addresses,
/// each request can be given a scripted answer (an exception, silence, a late or slow answer, a
/// lost connection), every request is recorded with its start and end, and time passes on the
/// monotonic clock it is given: on a `ManualMonotonicClock` a timeout of 500 ms costs nothing
/// but moves the clock, so a bus worker's offline detection, backoff and pacing are tested in
/// simulated time.
///
/// Requests are checked with `ModbusRequest.check(bus:units:)` and frames kept apart with
/// `FramePacing`, exactly as `ModbusClient` does; unit 0 writes are broadcasts, as
/// `ModbusClient` sends them on both links: every bank applies them and nobody answers. Safe from any thread (one lock guards the state).
package final class EmbeddedModbusTransport: ModbusTransport, Sendable {
    /// How a device answers one request.
    package enum Answer: Sendable, Hashable {
        /// From its register bank, after `answerTime`; silence when no bank is attached.
        case serve
        /// With this exception code, after `answerTime`.
        case exception(ModbusExceptionCode)
        /// Not at all: the request times out after the response timeout.
        case silence
        /// After the response timeout: the request times out, and `bytes` arrive afterwards and
        /// are thrown away before the next request (reported once by `takeLateAnswer`).
        case late(bytes: Int)
        /// From its register bank after `delay` instead of `answerTime`; a delay past the
        /// response timeout is a timeout.
        case slow(Duration)
        /// The link drops (a TCP connection reset): the request fails at once and the link is
        /// closed.
        case connectionLost
    }

    /// One request as the device saw it.
    package struct Record: Sendable {
        package var request: ModbusRequest
        /// Monotonic ns on the transport's clock when the request started (after pacing) and
        /// when its answer (or its timeout) ended.
        package var start: UInt64
        package var end: UInt64
        /// What the request came to: nil when it succeeded.
        package var error: ModbusError.Kind?
    }

    package let bus: String
    /// The response timeout a silent device costs.
    package let responseTimeout: Duration
    /// How long a served answer takes, request to end of answer.
    package let answerTime: Duration
    private let units: ClosedRange<UInt8>
    private let clock: any MonotonicClock
    private let state: Mutex<State>

    private struct State {
        var banks: [UInt8: RegisterBank] = [:]
        var scripts: [UInt8: [Answer]] = [:]
        var defaults: [UInt8: Answer] = [:]
        var records: [Record] = []
        var pacing: FramePacing
        var isOpen = false
        var connects = 0
        var failConnects = 0
        /// Bytes still arriving from a late answer, and the unit that sent them.
        var arriving: LateAnswer?
        var lateAnswer: LateAnswer?
    }

    /// - Parameters:
    ///   - units: the unit addresses the link allows: `ModbusLimits.serialUnits` for an RTU bus,
    ///     `.tcpUnits` for a TCP endpoint (`ModbusLimits.unitIDs(rtu:)`).
    ///   - pacing: the quiet time between frames (`FramePacing(settings)` of the real bus).
    ///   - clock: where time passes; a `ManualMonotonicClock` for simulated time.
    package init(bus: String, units: ClosedRange<UInt8> = ModbusLimits.serialUnits, pacing: FramePacing,
                responseTimeout: Duration = .milliseconds(500), answerTime: Duration = .milliseconds(20),
                clock: any MonotonicClock) {
        self.bus = bus
        self.units = units
        self.responseTimeout = responseTimeout
        self.answerTime = answerTime
        self.clock = clock
        state = Mutex(State(pacing: pacing))
    }

    // MARK: Setting up the devices

    /// Makes `bank` answer at `unit` (replacing any bank there).
    package func attach(_ bank: RegisterBank, unit: UInt8) {
        state.withLock { $0.banks[unit] = bank }
    }

    /// Queues answers for the next requests to `unit`, one per request, after any queued before.
    package func script(unit: UInt8, _ answers: [Answer]) {
        state.withLock { $0.scripts[unit, default: []].append(contentsOf: answers) }
    }

    /// How `unit` answers once its script has run out (`.serve` unless set).
    package func setDefault(_ answer: Answer, unit: UInt8) {
        state.withLock { $0.defaults[unit] = answer }
    }

    /// Makes the next `count` calls to `connect()` fail with `.cannotConnect`.
    package func failConnects(_ count: Int) {
        state.withLock { $0.failConnects = count }
    }

    // MARK: What happened

    /// Every request so far, in order.
    package var records: [Record] { state.withLock { $0.records } }

    /// The requests to `unit` so far, in order.
    package func records(unit: UInt8) -> [Record] { state.withLock { $0.records.filter { $0.request.unit == unit } } }

    /// How many times the link was opened.
    package var connects: Int { state.withLock { $0.connects } }

    // MARK: ModbusTransport

    package func connect() throws(ModbusError) {
        let refused = state.withLock { s -> Bool in
            if s.isOpen { return false }
            if s.failConnects > 0 {
                s.failConnects -= 1
                return true
            }
            s.isOpen = true
            s.connects += 1
            return false
        }
        if refused { throw ModbusError(.cannotConnect, bus: bus, detail: "scripted connect failure") }
    }

    package func close() {
        state.withLock { $0.isOpen = false }
    }

    package func takeLateAnswer() -> LateAnswer? {
        state.withLock { s in
            defer { s.lateAnswer = nil }
            return s.lateAnswer
        }
    }

    package func readCoils(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [Bool] {
        let request = ModbusRequest(.readCoils, unit: unit, address: address, count: count)
        return bits(try perform(request, pdu: Self.pdu(request.function, [Int(address), count])), count: count)
    }

    package func readDiscreteInputs(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [Bool] {
        let request = ModbusRequest(.readDiscreteInputs, unit: unit, address: address, count: count)
        return bits(try perform(request, pdu: Self.pdu(request.function, [Int(address), count])), count: count)
    }

    package func readHoldingRegisters(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [UInt16] {
        let request = ModbusRequest(.readHoldingRegisters, unit: unit, address: address, count: count)
        return words(try perform(request, pdu: Self.pdu(request.function, [Int(address), count])))
    }

    package func readInputRegisters(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [UInt16] {
        let request = ModbusRequest(.readInputRegisters, unit: unit, address: address, count: count)
        return words(try perform(request, pdu: Self.pdu(request.function, [Int(address), count])))
    }

    package func writeCoil(unit: UInt8, address: UInt16, value: Bool) throws(ModbusError) {
        let request = ModbusRequest(.writeSingleCoil, unit: unit, address: address, count: 1)
        _ = try perform(request, pdu: Self.pdu(request.function, [Int(address), value ? 0xFF00 : 0x0000]))
    }

    package func writeRegister(unit: UInt8, address: UInt16, value: UInt16) throws(ModbusError) {
        let request = ModbusRequest(.writeSingleRegister, unit: unit, address: address, count: 1)
        _ = try perform(request, pdu: Self.pdu(request.function, [Int(address), Int(value)]))
    }

    package func writeCoils(unit: UInt8, address: UInt16, values: [Bool]) throws(ModbusError) {
        var packed = [UInt8](repeating: 0, count: (values.count + 7) / 8)
        for (i, on) in values.enumerated() where on { packed[i / 8] |= 1 << UInt8(i % 8) }
        let request = ModbusRequest(.writeMultipleCoils, unit: unit, address: address, count: values.count)
        _ = try perform(request, pdu: Self.pdu(request.function, [Int(address), values.count], data: packed))
    }

    package func writeRegisters(unit: UInt8, address: UInt16, values: [UInt16]) throws(ModbusError) {
        let request = ModbusRequest(.writeMultipleRegisters, unit: unit, address: address, count: values.count)
        _ = try perform(request, pdu: Self.pdu(request.function, [Int(address), values.count], data: Self.bytes(values)))
    }

    package func writeAndReadRegisters(unit: UInt8, writeAddress: UInt16, values: [UInt16],
                                      readAddress: UInt16, readCount: Int) throws(ModbusError) -> [UInt16] {
        let request = ModbusRequest(.writeAndReadRegisters, unit: unit, address: readAddress, count: readCount,
                                    writeAddress: writeAddress, writeCount: values.count)
        let fields = [Int(readAddress), readCount, Int(writeAddress), values.count]
        return words(try perform(request, pdu: Self.pdu(request.function, fields, data: Self.bytes(values))))
    }

    /// A request PDU: the function code, 16-bit fields big-endian, then for a multiple write the
    /// byte count and the data. A field out of range is cut here; `ModbusRequest.check` refuses
    /// the request before the PDU is used.
    private static func pdu(_ function: ModbusFunction, _ fields: [Int], data: [UInt8]? = nil) -> [UInt8] {
        var out: [UInt8] = [function.rawValue]
        out.append(contentsOf: bytes(fields.map { UInt16(truncatingIfNeeded: $0) }))
        if let data {
            out.append(UInt8(truncatingIfNeeded: data.count))
            out.append(contentsOf: data)
        }
        return out
    }

    /// Registers as they go on the wire, big-endian.
    private static func bytes(_ words: [UInt16]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(words.count * 2)
        for w in words {
            out.append(UInt8(w >> 8))
            out.append(UInt8(w & 0xFF))
        }
        return out
    }

    // MARK: The transaction

    /// What one request comes to, decided under the lock before any time passes.
    private enum Outcome: Sendable {
        case answer([UInt8], after: Duration)
        case fail(ModbusError.Kind, after: Duration)
        case broadcast
    }

    /// Checks, paces, answers and records one request; returns the answer PDU's data (after the
    /// function code).
    private func perform(_ request: ModbusRequest, pdu: [UInt8]) throws(ModbusError) -> [UInt8] {
        try request.check(bus: bus, units: units)
        let pacing = state.withLock { s -> FramePacing in
            s.isOpen = true
            // What was still arriving from a late answer is thrown away before this request.
            if let late = s.arriving {
                s.lateAnswer = late
                s.arriving = nil
            }
            return s.pacing
        }
        pacing.waitForQuiet(on: clock)
        let start = clock.nanoseconds()
        let outcome = state.withLock { s in decide(request, pdu: pdu, &s) }
        switch outcome {
        case .broadcast:
            state.withLock { s in
                s.pacing.broadcastSent(at: start, onWire: 0)
                s.records.append(Record(request: request, start: start, end: start, error: nil))
            }
            return []
        case .answer(let answer, let after):
            clock.sleep(until: start + UInt64(clamping: after.nanoseconds))
            let end = clock.nanoseconds()
            let exception: UInt8 = pdu[0] | 0x80
            if answer.first == exception {
                let code = ModbusExceptionCode(rawValue: answer.count > 1 ? answer[1] : 0)
                finish(request, start: start, end: end, error: .exception(code))
                throw request.error(.exception(code), bus: bus)
            }
            finish(request, start: start, end: end, error: nil)
            return Array(answer.dropFirst())
        case .fail(let kind, let after):
            clock.sleep(until: start + UInt64(clamping: after.nanoseconds))
            finish(request, start: start, end: clock.nanoseconds(), error: kind)
            throw request.error(kind, bus: bus, detail: "scripted by the embedded bus")
        }
    }

    private func decide(_ request: ModbusRequest, pdu: [UInt8], _ s: inout State) -> Outcome {
        if request.isBroadcast {
            for bank in s.banks.values { _ = bank.respond(toPDU: pdu, broadcast: true) }
            return .broadcast
        }
        let answer: Answer
        if var script = s.scripts[request.unit], !script.isEmpty {
            answer = script.removeFirst()
            s.scripts[request.unit] = script
        } else {
            answer = s.defaults[request.unit] ?? .serve
        }
        let bank = s.banks[request.unit]
        switch answer {
        case .serve:
            guard let bank else { return .fail(.timeout, after: responseTimeout) }
            return .answer(bank.respond(toPDU: pdu), after: answerTime)
        case .slow(let delay):
            guard let bank, delay <= responseTimeout else { return .fail(.timeout, after: responseTimeout) }
            return .answer(bank.respond(toPDU: pdu), after: delay)
        case .exception(let code):
            return .answer([pdu[0] | 0x80, code.rawValue], after: answerTime)
        case .silence:
            return .fail(.timeout, after: responseTimeout)
        case .late(let bytes):
            s.arriving = LateAnswer(unit: request.unit, bytes: bytes)
            return .fail(.timeout, after: responseTimeout)
        case .connectionLost:
            s.isOpen = false
            return .fail(.connectionLost, after: .zero)
        }
    }

    private func finish(_ request: ModbusRequest, start: UInt64, end: UInt64, error: ModbusError.Kind?) {
        state.withLock { s in
            s.pacing.transactionEnded(at: end)
            s.records.append(Record(request: request, start: start, end: end, error: error))
        }
    }

    /// Registers from a read answer's data (byte count, then big-endian words).
    private func words(_ data: [UInt8]) -> [UInt16] {
        var out: [UInt16] = []
        var i = 1
        while i + 1 < data.count {
            let high = UInt16(data[i]) << 8
            out.append(high | UInt16(data[i + 1]))
            i += 2
        }
        return out
    }

    /// Bits from a read answer's data (byte count, then packed bits, least significant first).
    private func bits(_ data: [UInt8], count: Int) -> [Bool] {
        var out: [Bool] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let byte = 1 + i / 8
            let mask: UInt8 = 1 << UInt8(i % 8)
            out.append(byte < data.count && data[byte] & mask != 0)
        }
        return out
    }
}
