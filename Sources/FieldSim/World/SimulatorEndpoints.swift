/// What a running simulator serves, as it writes it to `DIR/endpoints.json` once it is ready:
/// where the gateway (or a test, or `mbpoll`) finds each Modbus bus, the GPIO socket and the
/// control socket. docs/simulator.md shows an example.
package struct SimulatorEndpoints: Codable, Sendable, Hashable {
    /// A Modbus TCP endpoint and the unit ids behind it.
    package struct TCPEndpoint: Codable, Sendable, Hashable {
        package var bus: String
        package var host: String
        package var port: Int
        package var units: [Int]
    }

    /// An RS-485 bus on a pseudo-terminal.
    package struct RTUEndpoint: Codable, Sendable, Hashable {
        package var bus: String
        /// The board's serial port name (`rs485-1`).
        package var port: String
        /// What a master opens: the board's device path, a symlink to the pty.
        package var path: String
        /// The pty itself (`/dev/pts/N`).
        package var pty: String
        package var baud: Int
        /// `8N1`, `8E1`, …
        package var framing: String
        package var units: [Int]
        /// Answers are paced at the line's character rate.
        package var paced: Bool
    }

    package struct GPIOEndpoint: Codable, Sendable, Hashable {
        package var socket: String
        package var chip: String
        /// Line name → offset, as the board file has them.
        package var lines: [String: Int]
    }

    package var site: String
    package var pid: Int32
    package var stateDirectory: String
    package var tcp: [TCPEndpoint]
    package var rtu: [RTUEndpoint]
    package var gpio: GPIOEndpoint?
    package var control: String
    /// Simulated seconds per real second when it started.
    package var acceleration: Double
    /// Simulated time when it started (ISO 8601, UTC).
    package var simulatedStart: String
}
