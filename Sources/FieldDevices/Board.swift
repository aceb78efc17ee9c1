import FieldCore
import FoundationEssentials

/// What the hardware is (DESIGN rule 3): the board's GPIO lines by connector label, its RS-485
/// ports, its console UART, its watchdog and its status LEDs. Site files refer to these names,
/// never to raw chips and offsets.
public struct Board: Sendable, Hashable {
    public var id: String
    public var name: String
    public var description: String
    public var gpio: GPIOBackendSpec
    public var lines: [BoardLine]
    public var serialPorts: [BoardSerialPort]
    public var console: BoardConsole?
    public var watchdog: BoardWatchdog?
    public var leds: [BoardLED]

    public func line(_ name: String) -> BoardLine? { lines.first { $0.name == name } }
    public func serialPort(_ name: String) -> BoardSerialPort? { serialPorts.first { $0.name == name } }
}

/// How the gateway reaches the board's GPIO lines.
public enum GPIOBackendSpec: Sendable, Hashable {
    /// The kernel's GPIO character devices through libgpiod (real boards).
    case gpiod
    /// The simulator's GPIO server on a Unix socket.
    case simulator(socket: String)
}

/// One GPIO line, named by the connector label printed on the board or its terminal block.
public struct BoardLine: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable, CaseIterable {
        case input = "in", output = "out"
    }

    public enum Bias: String, Sendable, Hashable, CaseIterable {
        case asIs = "as-is", disable, pullUp = "pull-up", pullDown = "pull-down"
    }

    /// The connector label, e.g. `DI1`, `DO3`, `LED-RUN`.
    public var name: String
    /// Where the line is on the board, for people: `J8 pin 11 (BCM17)`, `X3 terminal 4`.
    public var label: String
    /// The gpiochip by name (`gpiochip0`), label (`pinctrl-bcm2711`) or path.
    public var chip: String
    public var offset: Int
    public var direction: Direction
    public var activeLow: Bool
    public var bias: Bias
    /// Output level (logical, after active-low) on start, shutdown and when the runtime dies:
    /// street lamps on, buzzers off.
    public var safeState: Bool?
    /// A minimum debounce for the input, whatever the site asks (contact bounce of this board's
    /// input circuit).
    public var debounce: Duration
}

/// An RS-485 (or RS-232) port of the board.
public struct BoardSerialPort: Sendable, Hashable {
    /// Who switches the RS-485 transceiver between sending and receiving (DE/RE).
    public enum Direction: Sendable, Hashable {
        /// The transceiver switches by itself (auto-direction hardware), or the port is RS-232.
        case automatic
        /// The kernel's RS-485 mode drives DE/RE from RTS (`TIOCSRS485`).
        case kernel
        /// The gateway toggles RTS around each frame (libmodbus RTS mode).
        case rts
        /// The gateway drives a GPIO line (named in `lines`) high while sending.
        case gpio(line: String)
    }

    /// The name sites use, e.g. `rs485-1`.
    public var name: String
    public var label: String
    /// The tty device, e.g. `/dev/ttySC0` (environment variables already expanded).
    public var device: String
    public var direction: Direction
}

/// The technician's console port.
public enum BoardConsole: Sendable, Hashable {
    /// A UART (e.g. `/dev/ttyS0`) at a baud rate, 8N1.
    case serial(device: String, baud: Int)
    /// A pseudo-terminal the gateway creates and links at `link` (simulator board, demos).
    case pty(link: String)
}

/// The hardware watchdog the supervisor feeds.
public struct BoardWatchdog: Sendable, Hashable {
    public var device: String
    public var timeout: Duration

    public init(device: String, timeout: Duration) {
        self.device = device
        self.timeout = timeout
    }
}

/// A status LED on an output line.
public struct BoardLED: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        /// Blinks while the gateway runs; steady when it is starting or stopping.
        case run
        /// On while any alarm of severity major or critical is active.
        case alarm
        /// On while the uplink is connected (not driven yet: left in its safe state).
        case uplink
        /// On while any device is offline.
        case comm
    }

    public var role: Role
    public var line: String

    public init(role: Role, line: String) {
        self.role = role
        self.line = line
    }
}
