import FieldCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A Modbus master on one bus over libmodbus: RTU on a serial port, or TCP to a device or a
/// TCP-to-RTU gateway.
///
/// A client owns one libmodbus context and is used by **one thread at a time**: the bus's worker,
/// which runs polls and queued writes strictly in turn (a bus is half-duplex). It is deliberately
/// not `Sendable`; the worker builds it on its own thread from `ModbusSettings`, which is.
///
/// Every request names its unit and is checked against the protocol limits before anything is
/// sent. After a failure the client puts the link back in a known state:
/// - TCP: a lost connection, or an answer that leaves the byte stream out of step (invalid frame),
///   closes the connection and the next request reconnects. A read that finds the connection lost
///   reconnects and is sent once more; a write (0x17 included) is not repeated (the caller decides).
/// - RTU: after any failed request the port is flushed at once and again right before the next
///   request, so an answer that was still on its way when the request timed out is thrown away
///   (and reported by `takeLateAnswer`) instead of being taken for the next device's answer;
///   frames are kept at least t3.5 (`ModbusRTUSettings.frameGap`) or the configured
///   `ModbusSettings.interFrameDelay` apart (`FramePacing`, on TCP too when configured). A serial device that
///   went away (a USB adapter unplugged) is reopened by the next request.
/// - TCP: after a timeout the socket is drained before the next request too. Every TCP request
///   carries transaction id 0 (`modbus_send_raw_request`, see `ModbusContext`), so the id cannot
///   tell a late answer from the next one: the drain does, and bytes found waiting before any TCP
///   request (an answer sent twice) are drained the same way. An answer that arrives later still
///   is taken only if it is from the same unit with the same function and byte count (the same
///   question, asked again); anything else is an invalid frame and closes the connection.
/// - Writes to unit 0 are broadcasts: sent without waiting for an answer; the next request waits
///   `ModbusTimeouts.broadcastTurnaround` so every device has acted on it, and on TCP discards any
///   answer a gateway sent anyway.
package final class ModbusClient: ModbusTransport {
    package let settings: ModbusSettings
    /// The timeouts in force; change them with `setTimeouts(_:)` (a bus scan shortens them).
    package private(set) var timeouts: ModbusTimeouts
    /// How many times the client reopened a link that a failure had closed.
    package private(set) var reconnects = 0

    private let context: ModbusContext
    private let units: ClosedRange<UInt8>
    private let isRTU: Bool
    private let frameGap: UInt64  // t3.5 in ns, for draining; 0 on TCP
    private let characterTime: UInt64  // ns; 0 on TCP
    private var currentUnit: UInt8?
    /// The bus's one pacing: when the next frame may start.
    private var pacing: FramePacing
    private let clock = SystemMonotonicClock()
    private var drainBeforeNext = false
    /// Bytes waiting when a request failed, flushed then; reported with the next drain's.
    private var discardedAtFailure = 0
    /// The unit of the last request that failed without a clean answer: a late answer's sender.
    private var failedUnit: UInt8?
    private var lateAnswer: LateAnswer?
    private var lost = false
    /// The storage of the last registers read. A poll loop drops each answer before the next
    /// read, so the next read fills the same storage instead of allocating; an answer the caller
    /// keeps is left alone (copy-on-write) and the next read allocates afresh.
    private var registers: [UInt16] = []

    /// Creates the libmodbus context; does not open the port or connect yet.
    ///
    /// - Parameter gpio: where the RS-485 direction line of `ModbusRS485Mode.gpio` is requested
    ///   when the port opens (the board's GPIO backend); libgpiod when nil.
    /// - Throws: `.invalidArgument` naming a bad setting.
    package init(_ settings: ModbusSettings, gpio: (any GPIOBackend)? = nil) throws(ModbusError) {
        try settings.check()
        self.settings = settings
        timeouts = settings.timeouts
        units = settings.units
        pacing = FramePacing(settings)
        switch settings.link {
        case .rtu(let rtu):
            isRTU = true
            frameGap = UInt64(rtu.frameGap.nanoseconds)
            characterTime = UInt64(rtu.characterTime.nanoseconds)
        case .tcp:
            isRTU = false
            frameGap = 0
            characterTime = 0
        }
        do {
            context = try ModbusContext(link: settings.link, gpio: gpio ?? GPIOLibgpiodBackend())
            try context.setTimeouts(settings.timeouts)
        } catch {
            throw Self.error(error, settings: settings, timeouts: settings.timeouts, request: nil)
        }
    }

    package var bus: String { settings.bus }

    /// The libmodbus the process runs with, e.g. `3.1.6` (for `version` output and benchmarks).
    package static var libraryVersion: String { ModbusContext.libraryVersion }

    /// Whether the serial port is open or the TCP connection is up (as far as the client knows).
    package var isConnected: Bool { context.isOpen }

    package func connect() throws(ModbusError) {
        do {
            try open()
        } catch {
            throw Self.error(error, settings: settings, timeouts: timeouts, request: nil)
        }
    }

    package func close() {
        context.close()
        lost = false
    }

    package func takeLateAnswer() -> LateAnswer? {
        defer { lateAnswer = nil }
        return lateAnswer
    }

    /// Changes the response, byte and broadcast timeouts for the following requests.
    ///
    /// - Throws: `.invalidArgument` for a timeout out of range.
    package func setTimeouts(_ new: ModbusTimeouts) throws(ModbusError) {
        if let problem = new.problem { throw ModbusError(.invalidArgument, bus: bus, detail: problem) }
        do {
            try context.setTimeouts(new)
        } catch {
            throw Self.error(error, settings: settings, timeouts: new, request: nil)
        }
        timeouts = new
        pacing.setBroadcastTurnaround(new.broadcastTurnaround)
    }

    // MARK: reads

    package func readCoils(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [Bool] {
        try readBits(ModbusRequest(.readCoils, unit: unit, address: address, count: count))
    }

    package func readDiscreteInputs(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [Bool] {
        try readBits(ModbusRequest(.readDiscreteInputs, unit: unit, address: address, count: count))
    }

    package func readHoldingRegisters(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [UInt16] {
        try readRegisters(ModbusRequest(.readHoldingRegisters, unit: unit, address: address, count: count))
    }

    package func readInputRegisters(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [UInt16] {
        try readRegisters(ModbusRequest(.readInputRegisters, unit: unit, address: address, count: count))
    }

    private func readRegisters(_ request: ModbusRequest) throws(ModbusError) -> [UInt16] {
        try request.check(bus: bus, units: units)
        var answer = registers
        registers = []
        if answer.count != request.count {
            answer.removeAll(keepingCapacity: true)
            answer.append(contentsOf: repeatElement(0, count: request.count))
        }
        // Writing in place copies first if the caller still holds the last answer.
        try perform(request) { (c) throws(ModbusContext.Failure) in
            try c.readRegisters(request.function, unit: request.unit, address: request.address, into: &answer)
        }
        registers = answer
        return answer
    }

    private func readBits(_ request: ModbusRequest) throws(ModbusError) -> [Bool] {
        try request.check(bus: bus, units: units)
        var raw = [UInt8](repeating: 0, count: request.count)
        try perform(request) { (c) throws(ModbusContext.Failure) in
            try c.readBits(request.function, unit: request.unit, address: request.address, into: &raw)
        }
        return raw.map { $0 != 0 }
    }

    // MARK: writes

    package func writeCoil(unit: UInt8, address: UInt16, value: Bool) throws(ModbusError) {
        let request = ModbusRequest(.writeSingleCoil, unit: unit, address: address, count: 1)
        try request.check(bus: bus, units: units)
        if request.isBroadcast {
            return try broadcast(request, pdu: [unit, request.function.rawValue] + address.bigEndianBytes + [value ? 0xFF : 0x00, 0x00])
        }
        try perform(request) { (c) throws(ModbusContext.Failure) in try c.writeBit(unit: unit, address: address, value: value) }
    }

    package func writeRegister(unit: UInt8, address: UInt16, value: UInt16) throws(ModbusError) {
        let request = ModbusRequest(.writeSingleRegister, unit: unit, address: address, count: 1)
        try request.check(bus: bus, units: units)
        if request.isBroadcast {
            return try broadcast(request, pdu: [unit, request.function.rawValue] + address.bigEndianBytes + value.bigEndianBytes)
        }
        try perform(request) { (c) throws(ModbusContext.Failure) in try c.writeRegister(unit: unit, address: address, value: value) }
    }

    package func writeCoils(unit: UInt8, address: UInt16, values: [Bool]) throws(ModbusError) {
        let request = ModbusRequest(.writeMultipleCoils, unit: unit, address: address, count: values.count)
        try request.check(bus: bus, units: units)
        if request.isBroadcast {
            var packed = [UInt8](repeating: 0, count: (values.count + 7) / 8)
            for (i, on) in values.enumerated() where on { packed[i / 8] |= 1 << UInt8(i % 8) }
            let head = [unit, request.function.rawValue] + address.bigEndianBytes + UInt16(values.count).bigEndianBytes
            return try broadcast(request, pdu: head + [UInt8(packed.count)] + packed)
        }
        let raw = values.map { UInt8($0 ? 1 : 0) }
        try perform(request) { (c) throws(ModbusContext.Failure) in try c.writeBits(unit: unit, address: address, raw) }
    }

    package func writeRegisters(unit: UInt8, address: UInt16, values: [UInt16]) throws(ModbusError) {
        let request = ModbusRequest(.writeMultipleRegisters, unit: unit, address: address, count: values.count)
        try request.check(bus: bus, units: units)
        if request.isBroadcast {
            let head = [unit, request.function.rawValue] + address.bigEndianBytes + UInt16(values.count).bigEndianBytes
            return try broadcast(request, pdu: head + [UInt8(values.count * 2)] + values.flatMap(\.bigEndianBytes))
        }
        try perform(request) { (c) throws(ModbusContext.Failure) in try c.writeRegisters(unit: unit, address: address, values) }
    }

    package func writeAndReadRegisters(unit: UInt8, writeAddress: UInt16, values: [UInt16],
                                      readAddress: UInt16, readCount: Int) throws(ModbusError) -> [UInt16] {
        let request = ModbusRequest(.writeAndReadRegisters, unit: unit, address: readAddress, count: readCount,
                                    writeAddress: writeAddress, writeCount: values.count)
        try request.check(bus: bus, units: units)
        var read = [UInt16](repeating: 0, count: readCount)
        try perform(request) { (c) throws(ModbusContext.Failure) in
            try c.writeAndReadRegisters(unit: unit, writeAddress: writeAddress, values, readAddress: readAddress, into: &read)
        }
        return read
    }

    // MARK: the transaction cycle

    /// Runs one checked request: opens the link if needed, keeps the frame gap, selects the unit,
    /// calls libmodbus, and on failure recovers the link and throws the error in context.
    @inline(__always)
    private func perform(_ request: ModbusRequest, _ call: (ModbusContext) throws(ModbusContext.Failure) -> Void) throws(ModbusError) {
        var resent = false
        while true {
            do throws(ModbusContext.Failure) {
                try prepare()
                if currentUnit != request.unit {
                    try context.setUnit(request.unit)
                    currentUnit = request.unit
                }
                try call(context)
                if let failure = context.takeDirectionFailure() { throw failure }
                pacing.transactionEnded(at: clock.nanoseconds())
                return
            } catch {
                let failure = recover(from: error, request: request)
                if failure.kind == .connectionLost && !request.function.writes && !resent {
                    resent = true
                    continue
                }
                throw failure
            }
        }
    }

    /// Sends a unit-0 write and does not wait for an answer, which nobody sends on a serial line.
    private func broadcast(_ request: ModbusRequest, pdu: [UInt8]) throws(ModbusError) {
        do throws(ModbusContext.Failure) {
            try prepare()
            try context.send(unitAndPDU: pdu)
            if let failure = context.takeDirectionFailure() { throw failure }
        } catch {
            throw recover(from: error, request: request)
        }
        let onWire = UInt64(pdu.count + 2) * characterTime  // + CRC; 0 on TCP
        pacing.broadcastSent(at: clock.nanoseconds(), onWire: onWire)
        drainBeforeNext = !isRTU
    }

    @inline(__always)
    private func prepare() throws(ModbusContext.Failure) {
        if !context.isOpen { try open() }
        pacing.waitForQuiet(on: clock)
        // Every TCP request carries transaction id 0 (`ModbusContext`): bytes waiting before a
        // request (an answer sent twice, or trailing bytes after the last one) cannot be its
        // answer, and the id would not tell them apart from it. Drain them and name the sender.
        if !isRTU && !drainBeforeNext && context.pendingInput() > 0 {
            drainBeforeNext = true
            failedUnit = currentUnit
        }
        if drainBeforeNext {
            drainUntilQuiet()
            drainBeforeNext = false
            failedUnit = nil
        }
    }

    /// Throws away what arrived after a failed request, and goes on doing so while more keeps
    /// coming (a device babbling kilobytes of noise), for at most one response timeout: the
    /// next request, often to another device, then starts on a quiet line. What was thrown
    /// away is put down to the unit whose request failed first (`takeLateAnswer`).
    private func drainUntilQuiet() {
        let flushedBefore = discardedAtFailure
        discardedAtFailure = 0
        var discarded = context.pendingInput()
        guard discarded > 0 else {
            context.flush()
            if flushedBefore > 0, let failedUnit { lateAnswer = LateAnswer(unit: failedUnit, bytes: flushedBefore) }
            return
        }
        let deadline = monotonicNanoseconds() + UInt64(timeouts.response.nanoseconds)
        // Quiet = nothing new for two frame gaps (t3.5; 2 ms on TCP).
        let quiet = max(2 * frameGap, 2_000_000)
        while true {
            context.flush()
            var pause = timespec(tv_sec: 0, tv_nsec: Int(quiet))
            nanosleep(&pause, nil)
            let more = context.pendingInput()
            guard more > 0, monotonicNanoseconds() < deadline else { break }
            discarded += more
        }
        context.flush()
        if let failedUnit { lateAnswer = LateAnswer(unit: failedUnit, bytes: discarded + flushedBefore) }
    }

    private func open() throws(ModbusContext.Failure) {
        try context.open()
        if lost {
            reconnects += 1
            lost = false
        }
    }

    private func recover(from failure: ModbusContext.Failure, request: ModbusRequest) -> ModbusError {
        // A direction line that failed explains a timeout better than the timeout does.
        let error = Self.error(context.takeDirectionFailure() ?? failure, settings: settings, timeouts: timeouts, request: request)
        switch error.kind {
        case .connectionLost, .cannotConnect, .system:
            closeAfterFailure()
        case .badCRC where !isRTU, .invalidFrame where !isRTU:
            // The TCP byte stream may be out of step with the requests (a wrong MBAP length, a
            // hostile or confused peer): start a fresh connection.
            closeAfterFailure()
        case .timeout, .badCRC, .invalidFrame:
            // The answer may still be on its way: flush now and once more right before the next
            // request (which may be to another device), so it cannot be taken for that answer.
            // What is already waiting (the rest of a garbled answer, a babbler's burst) is
            // counted with what the drain finds, for the unit that failed first.
            discardedAtFailure += context.pendingInput()
            context.flush()
            drainBeforeNext = true
            // The first failure since the line was last quiet is the likely sender of what follows.
            if failedUnit == nil { failedUnit = request.unit }
        case .exception, .overLimit, .invalidArgument:
            context.flush()
        }
        pacing.transactionEnded(at: clock.nanoseconds())
        return error
    }

    private func closeAfterFailure() {
        if context.isOpen { lost = true }
        context.close()
    }

    /// A libmodbus failure in the words of `ModbusError`, with the request's context.
    private static func error(_ failure: ModbusContext.Failure, settings: ModbusSettings, timeouts: ModbusTimeouts,
                              request: ModbusRequest?) -> ModbusError {
        var (kind, text) = ModbusContext.classify(failure)
        let opening = failure.call == "modbus_connect" || failure.call.hasPrefix("modbus_rtu_set")
            || failure.call == ModbusDirectionLine.call
        if opening { kind = .cannotConnect }
        let endpoint: String
        switch settings.link {
        case .rtu(let s): endpoint = s.device
        case .tcp(let s): endpoint = s.description
        }
        let detail: String
        switch kind {
        case .timeout:
            detail = "no answer within \(timeouts.response.milliseconds) ms"
        case .badCRC:
            detail = "answer corrupted: check termination, wiring, baud rate and parity"
        case .exception:
            detail = ""
        case .invalidFrame:
            detail = failure.frame?.description ?? text
        case .cannotConnect where failure.call == ModbusDirectionLine.call:
            detail = "\(endpoint): RS-485 direction line \(failure.detail ?? "")"
        case .cannotConnect where failure.call == "modbus_rtu_set_serial_mode"
                && SystemError(code: failure.errno, function: failure.call).isUnsupportedRequest:
            detail = "\(endpoint): the serial driver has no kernel RS-485 support (\(text)); use rs485 mode rts or gpio:LINE in the board file, or auto"
        case .cannotConnect, .connectionLost:
            detail = "\(endpoint): \(text)"
        case .overLimit, .invalidArgument, .system:
            detail = "\(text), errno \(failure.errno) in \(failure.call)"
        }
        if let request {
            return request.error(kind, bus: settings.bus, errno: failure.errno, call: failure.call, detail: detail,
                                 frame: failure.frame)
        }
        return ModbusError(kind, bus: settings.bus, errno: failure.errno, call: failure.call, detail: detail)
    }
}

extension UInt16 {
    fileprivate var bigEndianBytes: [UInt8] { [UInt8(self >> 8), UInt8(self & 0xFF)] }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let c = components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }
}
