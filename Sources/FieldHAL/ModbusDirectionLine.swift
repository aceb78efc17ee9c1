import Synchronization

/// An RS-485 transceiver's DE/RE driven by a GPIO line: active while libmodbus sends a frame,
/// inactive (receiving) the rest of the time. For boards that wire the driver enable to a GPIO
/// instead of the UART's RTS, such as MAX485 modules on a NanoPi NEO.
///
/// libmodbus switches it through `modbus_rtu_set_custom_rts`: in RTS mode `MODBUS_RTU_RTS_UP` it
/// calls the function with 1 before writing a request and with 0 once the request has gone out
/// (one character time per byte after `write`, plus the RTS delay). That C callback gets the
/// libmodbus context and nothing else, so it finds the line in a table keyed by the context's
/// address. A line is in the table only while its context's port is open, and leaves it before
/// the context is closed or freed: an address is never looked up once libmodbus could reuse it.
final class ModbusDirectionLine: Sendable {
    /// The `call` of a `ModbusContext.Failure` about the direction line.
    static let call = "RS-485 direction line"

    private let lines: GPIOLines
    private let name: String
    private let key: UInt
    /// The first error of the callback since the last `takeFailure()`: the callback cannot throw.
    private let failure = Mutex<GPIOError?>(nil)

    private static let attached = Mutex<[UInt: ModbusDirectionLine]>([:])

    /// The function libmodbus calls around each frame.
    static let setDirection: @convention(c) (OpaquePointer?, Int32) -> Void = { handle, on in
        guard let handle else { return }
        let line = attached.withLock { $0[UInt(bitPattern: handle)] }
        line?.drive(sending: on != 0)
    }

    /// Requests `line` from `backend` (inactive: receiving) and attaches it to the context `handle`.
    ///
    /// - Throws: the backend's `GPIOError` (no such chip or line, line busy, ...).
    init(_ line: GPIOLineConfig, backend: any GPIOBackend, handle: OpaquePointer) throws(GPIOError) {
        var config = line
        config.initialValue = false
        lines = try backend.request([config])
        name = line.name
        key = UInt(bitPattern: handle)
        Self.attached.withLock { $0[key] = self }
    }

    /// Detaches the line from its context, leaves it inactive and gives it back. Call it before
    /// the context is closed or freed; calling it again does nothing.
    func detach() {
        let mine = Self.attached.withLock { table -> Bool in
            guard table[key] === self else { return false }
            table[key] = nil
            return true
        }
        if mine { release() }
    }

    /// The callback's error since the last call, if any.
    func takeFailure() -> GPIOError? {
        failure.withLock { f in
            defer { f = nil }
            return f
        }
    }

    private func drive(sending: Bool) {
        do throws(GPIOError) {
            try lines.set(name, to: sending)
        } catch {
            failure.withLock { f in
                if f == nil { f = error }
            }
        }
    }

    private func release() {
        try? lines.set(name, to: false)
        lines.close()
    }
}
