import FieldCore
import FoundationEssentials

/// What the hardware is (DESIGN rule 3): the board's GPIO lines by connector label, its RS-485
/// ports, its console UART, its watchdog and its status LEDs. Site files refer to these names,
/// never to raw chips and offsets.
package struct Board: Sendable, Hashable {
    package var id: String
    package var name: String
    package var description: String
    package var gpio: GPIOBackendSpec
    package var lines: [BoardLine]
    package var serialPorts: [BoardSerialPort]
    package var console: BoardConsole?
    package var watchdog: BoardWatchdog?
    package var leds: [BoardLED]

    package func line(_ name: String) -> BoardLine? { lines.first { $0.name == name } }
    package func serialPort(_ name: String) -> BoardSerialPort? { serialPorts.first { $0.name == name } }
}

/// How the gateway reaches the board's GPIO lines.
package enum GPIOBackendSpec: Sendable, Hashable {
    /// The kernel's GPIO character devices through libgpiod (real boards).
    case gpiod
    /// The simulator's GPIO server on a Unix socket.
    case simulator(socket: String)
}

/// One GPIO line, named by the connector label printed on the board or its terminal block.
package struct BoardLine: Sendable, Hashable {
    package enum Direction: String, Sendable, Hashable, CaseIterable {
        case input = "in", output = "out"
    }

    package enum Bias: String, Sendable, Hashable, CaseIterable {
        case asIs = "as-is", disable, pullUp = "pull-up", pullDown = "pull-down"
    }

    /// The connector label, e.g. `DI1`, `DO3`, `LED-RUN`.
    package var name: String
    /// Where the line is on the board, for people: `J8 pin 11 (BCM17)`, `X3 terminal 4`.
    package var label: String
    /// The gpiochip by name (`gpiochip0`), label (`pinctrl-bcm2711`) or path.
    package var chip: String
    package var offset: Int
    package var direction: Direction
    package var activeLow: Bool
    package var bias: Bias
    /// Output level (logical, after active-low) on start, shutdown and when the runtime dies:
    /// street lamps on, buzzers off.
    package var safeState: Bool?
    /// A minimum debounce for the input, whatever the site asks (contact bounce of this board's
    /// input circuit).
    package var debounce: Duration
}

/// An RS-485 (or RS-232) port of the board.
package struct BoardSerialPort: Sendable, Hashable {
    /// Who switches the RS-485 transceiver between sending and receiving (DE/RE).
    package enum Direction: Sendable, Hashable {
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
    package var name: String
    package var label: String
    /// The tty device, e.g. `/dev/ttySC0` (environment variables already expanded).
    package var device: String
    package var direction: Direction
}

/// The technician's console port.
package enum BoardConsole: Sendable, Hashable {
    /// A UART (e.g. `/dev/ttyS0`) at a baud rate, 8N1.
    case serial(device: String, baud: Int)
    /// A pseudo-terminal the gateway creates and links at `link` (simulator board, demos).
    case pty(link: String)
}

/// The hardware watchdog the supervisor feeds.
package struct BoardWatchdog: Sendable, Hashable {
    package var device: String
    package var timeout: Duration

    package init(device: String, timeout: Duration) {
        self.device = device
        self.timeout = timeout
    }
}

/// A status LED on an output line.
package struct BoardLED: Sendable, Hashable {
    package enum Role: String, Sendable, Hashable, CaseIterable {
        /// Blinks while the gateway runs; steady when it is starting or stopping.
        case run
        /// On while any alarm of severity major or critical is active.
        case alarm
        /// On while the uplink is connected (not driven yet: left in its safe state).
        case uplink
        /// On while any device is offline.
        case comm
    }

    package var role: Role
    package var line: String

    package init(role: Role, line: String) {
        self.role = role
        self.line = line
    }
}
