import FieldCore

/// GPIO lines served by the simulator (`fieldsim`) over a Unix socket (docs/gpio-protocol.md).
///
/// Each `request` opens its own connection; the server pushes raw edges as they happen and this
/// side debounces them like any other backend. When the server goes away, every call on the lines
/// throws `GPIOError.connectionLost`; request the lines again to reconnect.
package struct GPIOSocketBackend: GPIOBackend {
    /// The server's socket (`@name` for an abstract socket).
    package let socketPath: String
    package let clock: any FieldClock
    /// How long to wait for the server's answer to a request, set or get.
    package let replyTimeout: Duration

    package init(socketPath: String, clock: any FieldClock = SystemClock(), replyTimeout: Duration = .seconds(2)) {
        self.socketPath = socketPath
        self.clock = clock
        self.replyTimeout = replyTimeout
    }

    package func request(_ lines: [GPIOLineConfig]) throws(GPIOError) -> GPIOLines {
        try GPIOLineConfig.validate(lines)
        let connection = try GPIOSocketConnection(path: socketPath, lines: lines, clock: clock, replyTimeout: replyTimeout)
        return try GPIOLines(lines: lines, clock: clock, driver: connection)
    }
}
