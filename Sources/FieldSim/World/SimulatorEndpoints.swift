/// What a running simulator serves, as it writes it to `DIR/endpoints.json` once it is ready:
/// where the gateway (or a test, or `mbpoll`) finds each Modbus bus, the GPIO socket and the
/// control socket. docs/simulator.md shows an example.
public struct SimulatorEndpoints: Codable, Sendable, Hashable {
    /// A Modbus TCP endpoint and the unit ids behind it.
    public struct TCPEndpoint: Codable, Sendable, Hashable {
        public var bus: String
        public var host: String
        public var port: Int
        public var units: [Int]
    }

    /// An RS-485 bus on a pseudo-terminal.
    public struct RTUEndpoint: Codable, Sendable, Hashable {
        public var bus: String
        /// The board's serial port name (`rs485-1`).
        public var port: String
        /// What a master opens: the board's device path, a symlink to the pty.
        public var path: String
        /// The pty itself (`/dev/pts/N`).
        public var pty: String
        public var baud: Int
        /// `8N1`, `8E1`, …
        public var framing: String
        public var units: [Int]
        /// Answers are paced at the line's character rate.
        public var paced: Bool
    }

    public struct GPIOEndpoint: Codable, Sendable, Hashable {
        public var socket: String
        public var chip: String
        /// Line name → offset, as the board file has them.
        public var lines: [String: Int]
    }

    public var site: String
    public var pid: Int32
    public var stateDirectory: String
    public var tcp: [TCPEndpoint]
    public var rtu: [RTUEndpoint]
    public var gpio: GPIOEndpoint?
    public var control: String
    /// Simulated seconds per real second when it started.
    public var acceleration: Double
    /// Simulated time when it started (ISO 8601, UTC).
    public var simulatedStart: String
}
