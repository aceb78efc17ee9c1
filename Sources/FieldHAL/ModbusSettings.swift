/// Everything needed to open one Modbus bus: its name, the link (serial RTU or TCP) and the
/// timeouts. Plain data, built from the board and site files at start-up.
package struct ModbusSettings: Sendable, Hashable {
    /// The bus name errors and logs carry, as the board or site file names it (`rs485-1`).
    package var bus: String
    package var link: ModbusLink
    package var timeouts: ModbusTimeouts
    /// The quiet time between the end of one transaction and the next request (`FramePacing`);
    /// nil = t3.5 on RTU, none on TCP.
    package var interFrameDelay: Duration?

    package init(bus: String, link: ModbusLink, timeouts: ModbusTimeouts = ModbusTimeouts(), interFrameDelay: Duration? = nil) {
        self.bus = bus
        self.link = link
        self.timeouts = timeouts
        self.interFrameDelay = interFrameDelay
    }

    /// Checks every setting, so that a bad board or site file fails at start-up with a reason.
    ///
    /// - Throws: `ModbusError` of kind `.invalidArgument` naming the setting.
    package func check() throws(ModbusError) {
        func invalid(_ detail: String) -> ModbusError { ModbusError(.invalidArgument, bus: bus, detail: detail) }
        guard !bus.isEmpty else { throw invalid("the bus needs a name") }
        switch link {
        case .rtu(let rtu):
            if let problem = rtu.problem { throw invalid(problem) }
        case .tcp(let tcp):
            if let problem = tcp.problem { throw invalid(problem) }
        }
        if let problem = timeouts.problem { throw invalid(problem) }
        if let d = interFrameDelay, d < .zero || d > .seconds(1) {
            throw invalid("inter-frame delay \(d) must be 0 or more and at most 1 s")
        }
    }

    /// The unit addresses requests on this link may use.
    package var units: ClosedRange<UInt8> {
        switch link {
        case .rtu: ModbusLimits.serialUnits
        case .tcp: ModbusLimits.tcpUnits
        }
    }
}
