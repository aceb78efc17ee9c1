import FieldCore

/// What is installed (DESIGN rule 3): the site's buses, devices and their settings, storage,
/// uplink and console. It names the board's lines and ports, never raw pins.
public struct Site: Sendable {
    public var info: SiteDetails
    /// The board file: an id looked up in the boards directories, or a path.
    public var board: String
    public var buses: [BusConfig]
    public var devices: [DeviceConfig]
    /// The site's own profiles, validated exactly like the built-in ones.
    public var profiles: [DeviceProfile]
    public var storage: StorageConfig
    public var uplink: UplinkConfig?
    public var console: ConsoleConfig
    /// `uplinks.gb26875`: the optional link to a fire alarm operations centre.
    public var centre: CentreUplinkConfig? = nil

    public func bus(_ name: String) -> BusConfig? { buses.first { $0.name == name } }
    public func device(_ id: String) -> DeviceConfig? { devices.first { $0.id == id } }
}

/// The site's identity and place (the astronomical clock needs latitude and longitude).
public struct SiteDetails: Sendable, Hashable {
    public var id: String
    public var name: String
    public var latitude: Double?
    public var longitude: Double?
    /// Local time's offset east of UTC in minutes (China: +480).
    public var utcOffsetMinutes: Int
}

/// A Modbus bus: an RS-485 port of the board, or a Modbus TCP endpoint.
public struct BusConfig: Sendable, Hashable {
    public enum Link: Sendable, Hashable {
        case rtu(RTULink)
        case tcp(host: String, port: Int)
    }

    public var name: String
    public var link: Link
    /// How long to wait for the first byte of an answer.
    public var responseTimeout: Duration
    /// The longest silence allowed inside an answer.
    public var byteTimeout: Duration
    /// The quiet time between one frame and the next request; nil = 3.5 characters (t3.5).
    public var interFrameDelay: Duration?
    /// Extra wait after a broadcast or before talking to a slow device (device turnaround).
    public var turnaround: Duration
    /// The planner's largest gap of unused registers inside one request.
    public var maxGap: Int
    /// Consecutive failed polls after which a device is marked offline.
    public var offlineAfter: Int
    /// The longest wait between retries of an offline device (backoff doubles up to this).
    public var maxBackoff: Duration

    /// A bus with a site file's defaults for an RTU bus for what is not given (`Site.parse`
    /// checks the ranges and gives TCP its longer timeouts; this does neither).
    public init(name: String, link: Link, responseTimeout: Duration = .milliseconds(500), byteTimeout: Duration = .milliseconds(100),
                interFrameDelay: Duration? = nil, turnaround: Duration = .milliseconds(100), maxGap: Int = ReadLimits().maxGap,
                offlineAfter: Int = 3, maxBackoff: Duration = .seconds(60)) {
        self.name = name
        self.link = link
        self.responseTimeout = responseTimeout
        self.byteTimeout = byteTimeout
        self.interFrameDelay = interFrameDelay
        self.turnaround = turnaround
        self.maxGap = maxGap
        self.offlineAfter = offlineAfter
        self.maxBackoff = maxBackoff
    }

    public var isRTU: Bool { if case .rtu = link { true } else { false } }
}

/// Serial line settings of an RTU bus.
public struct RTULink: Sendable, Hashable {
    public enum Parity: String, Sendable, Hashable, CaseIterable {
        case none = "N", even = "E", odd = "O"
    }

    /// The board's serial port name, e.g. `rs485-1`.
    public var port: String
    public var baud: Int
    public var parity: Parity
    public var dataBits: Int
    public var stopBits: Int

    public init(port: String, baud: Int = 9600, parity: Parity = .none, dataBits: Int = 8, stopBits: Int = 1) {
        self.port = port
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
    }

    /// Bits on the wire per character: start + data + parity + stop.
    public var bitsPerCharacter: Int { 1 + dataBits + (parity == .none ? 0 : 1) + stopBits }

    /// The time one character takes on the wire.
    public var characterTime: Duration {
        .nanoseconds(Int64(bitsPerCharacter) * 1_000_000_000 / Int64(baud))
    }

    /// t3.5, the silent interval that ends a frame: 3.5 character times up to 19200 baud, fixed
    /// at 1.750 ms above (Modbus serial line guide v1.02, 2.5.1.1).
    public var frameGap: Duration {
        baud > 19_200 ? .microseconds(1750) : .nanoseconds(Int64(bitsPerCharacter) * 3_500_000_000 / Int64(baud))
    }
}

/// One installed device: a Modbus slave on a bus, GPIO signals on board lines, or both.
public struct DeviceConfig: Sendable {
    public var id: String
    public var name: String
    public var family: DeviceFamily
    /// The device's profile with the site's point overrides applied.
    public var profile: DeviceProfile
    /// The bus and unit address, for devices with Modbus points.
    public var bus: String?
    public var address: Int?
    public var poll: Duration
    /// Profile signal name → board line name.
    public var signals: [String: String]
    /// Generic alarm rules on the device's points.
    public var alarms: [AlarmSpec]
    /// The app's settings object, validated by the app when the runtime builds it.
    public var settings: JSONValue?
    /// Where `settings` is in the site file, for error messages.
    public var settingsPath: JSONPath
    public var enabled: Bool
}

/// Where readings and alarms are kept while the uplink is down.
public struct StorageConfig: Sendable, Hashable {
    /// The SQLite file; nil = `outbox.db` in the state directory.
    public var path: String?
    /// The outbox's bound: when full, the oldest telemetry goes first.
    public var maxBytes: Int
    /// How often telemetry is batched into one outbox row (spares flash); 1 s to 1 h.
    public var telemetryInterval: Duration
    /// Which samples go to the platform (docs/configuration.md, `storage.telemetry`).
    public var telemetryMode: TelemetryMode = .every
}

/// Which of the polled samples the uplink sends (`storage.telemetry`).
public enum TelemetryMode: String, Sendable, Hashable, CaseIterable {
    /// Every polled sample, each with its own time: nothing is lost between two batches.
    case every
    /// Every sample that moved beyond its point's deadband (or changed quality) since the last
    /// one sent, each with its own time.
    case changes
    /// Decimated: per `telemetryInterval`, the latest reading of each point that changed beyond
    /// its deadband; the samples in between are not sent.
    case latest
}

/// The MQTT connection to the city IoT platform.
public struct UplinkConfig: Sendable, Hashable {
    public var url: MQTTURL
    public var clientID: String?
    /// Prepended to every topic (`""` for ThingsBoard).
    public var topicPrefix: String
    public var keepalive: Duration
    public var tls: TLSConfig?
    /// Register reads/writes over RPC are refused unless enabled.
    public var allowRegisterRPC: Bool
    /// This gateway is the only one on its topic prefix: a command for a device named after
    /// another gateway is answered `not-found` rather than left to that gateway.
    public var soleGateway: Bool = false
    /// The role the platform's RPCs act with: a command whose role is above it (an admin
    /// command while this is technician) is refused `forbidden`. Viewer lets the platform only
    /// acknowledge alarms.
    public var rpcRole: ConsoleUser.Role = .technician
}

/// `mqtt[s]://[user:pass@]host:port`.
public struct MQTTURL: Sendable, Hashable, CustomStringConvertible {
    public var secure: Bool
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init?(_ text: String) {
        let scheme: String
        if text.hasPrefix("mqtt://") {
            scheme = "mqtt://"
            secure = false
        } else if text.hasPrefix("mqtts://") {
            scheme = "mqtts://"
            secure = true
        } else {
            return nil
        }
        var rest = Substring(text.dropFirst(scheme.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if let at = rest.lastIndex(of: "@") {
            let auth = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = auth.firstIndex(of: ":") {
                username = String(auth[..<colon]).removingPercentEncoding
                password = String(auth[auth.index(after: colon)...]).removingPercentEncoding
            } else {
                username = String(auth).removingPercentEncoding
            }
            guard username?.isEmpty == false else { return nil }
        }
        let hostPart: Substring
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
            hostPart = rest[..<colon]
        } else {
            port = secure ? 8883 : 1883
            hostPart = rest
        }
        host = String(hostPart.hasPrefix("[") && hostPart.hasSuffix("]") ? hostPart.dropFirst().dropLast() : hostPart)
        guard !host.isEmpty, !host.contains("/") else { return nil }
    }

    /// The URL without the password (for logs and status).
    public var description: String {
        let auth = username.map { "\($0)@" } ?? ""
        return "\(secure ? "mqtts" : "mqtt")://\(auth)\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

/// TLS files for the uplink.
public struct TLSConfig: Sendable, Hashable {
    public var caFile: String
    public var certFile: String?
    public var keyFile: String?
}

/// The technician's console.
public struct ConsoleConfig: Sendable, Hashable {
    public enum Terminal: String, Sendable, Hashable, CaseIterable {
        /// Probe the terminal; use ANSI editing if it answers.
        case auto
        case ansi
        /// No escape sequences at all.
        case plain
    }

    /// Run on the board's console port.
    public var serial: Bool
    public var baud: Int?
    public var terminal: Terminal
    public var users: [ConsoleUser]
    public var idleLogout: Duration
}

/// A console user from the site config: a name, a role and a crypt(3) hash of the password
/// (yescrypt `$y$…` or SHA-512 crypt `$6$…`), never the password itself. The console and the
/// runtime's command checks use it as it is.
public struct ConsoleUser: Sendable, Hashable {
    /// What a console user may do. Each role may do everything the roles below it may.
    public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
        /// Looks: status, readings, alarms, log, config values.
        case viewer
        /// Works on site: acknowledges alarms, changes config, reads and writes devices, tests outputs.
        case technician
        /// Everything, including factory reset.
        case admin

        private var rank: Int {
            switch self {
            case .viewer: 0
            case .technician: 1
            case .admin: 2
            }
        }

        public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
    }

    public var name: String
    public var role: Role
    public var passwordHash: String

    public init(name: String, role: Role, passwordHash: String) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
    }
}

extension StringProtocol {
    /// `%XX` decoding for credentials in URLs; nil on a malformed escape.
    var removingPercentEncoding: String? {
        var bytes: [UInt8] = []
        var it = Array(utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
