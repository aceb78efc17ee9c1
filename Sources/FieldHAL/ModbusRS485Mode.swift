/// Who switches an RS-485 transceiver between sending and receiving.
package enum ModbusRS485Mode: Sendable, Hashable, CustomStringConvertible {
    /// Nobody: an RS-232 link, or a transceiver with automatic direction control.
    case none
    /// The kernel's serial driver drives DE/RE (`TIOCSRS485`, libmodbus's `MODBUS_RTU_RS485`
    /// serial mode). Needs a UART driver with RS-485 support; others fail at connect.
    case kernel
    /// libmodbus raises or lowers RTS around each request (`modbus_rtu_set_rts`), for boards
    /// that wire the transceiver's DE/RE to RTS without kernel support.
    ///
    /// - Parameters:
    ///   - level: RTS's level while sending.
    ///   - delay: how long RTS is held before and after the frame; `nil` for libmodbus's default,
    ///     one character time.
    case rts(RTSLevel, delay: Duration? = nil)
    /// The gateway drives a GPIO output wired to DE/RE: active while a request is sent, inactive
    /// otherwise (libmodbus's custom RTS callback, `ModbusDirectionLine`). For transceivers such
    /// as a MAX485 module whose DE is on a GPIO pin rather than the UART's RTS. The line is
    /// requested when the port opens and given back when it closes.
    case gpio(GPIOLineConfig)

    /// RTS's level while the gateway sends.
    package enum RTSLevel: String, Sendable, Hashable {
        /// RTS high while sending (`MODBUS_RTU_RTS_UP`).
        case up
        /// RTS low while sending (`MODBUS_RTU_RTS_DOWN`).
        case down
    }

    package var description: String {
        switch self {
        case .none: "none"
        case .kernel: "kernel"
        case .rts(let level, let delay): "rts-\(level.rawValue)" + (delay.map { " \($0)" } ?? "")
        case .gpio(let line): "gpio \(line.name) (\(line.location))"
        }
    }
}
