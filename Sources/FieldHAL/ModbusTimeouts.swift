/// How long a Modbus master waits.
package struct ModbusTimeouts: Sendable, Hashable {
    /// From the end of the request to the first byte of the answer. 500 ms by default (libmodbus's
    /// default); slow devices and radio links need more, a bus scan less.
    package var response: Duration
    /// Between two bytes of one answer; `nil` lets the whole answer take up to `response`.
    /// 500 ms by default.
    package var byte: Duration?
    /// After a broadcast (unit 0), how long the next request waits so that every device has
    /// processed it (the serial line guide's turnaround delay, typically 100–200 ms). 100 ms by
    /// default.
    package var broadcastTurnaround: Duration

    package init(response: Duration = .milliseconds(500), byte: Duration? = .milliseconds(500),
                broadcastTurnaround: Duration = .milliseconds(100)) {
        self.response = response
        self.byte = byte
        self.broadcastTurnaround = broadcastTurnaround
    }

    var problem: String? {
        let day = Duration.seconds(86_400)
        if response <= .zero || response > day { return "response timeout \(response) must be above 0 and at most a day" }
        if let byte, byte <= .zero || byte > day { return "byte timeout \(byte) must be above 0 and at most a day" }
        if broadcastTurnaround < .zero || broadcastTurnaround > day {
            return "broadcast turnaround \(broadcastTurnaround) must be 0 or more and at most a day"
        }
        return nil
    }
}
