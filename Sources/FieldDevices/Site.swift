import FieldCore

/// What is installed (DESIGN rule 3): the site's buses, devices and their settings, storage,
/// uplink and console. It names the board's lines and ports, never raw pins.
package struct Site: Sendable {
    package var info: SiteDetails
    /// The board file: an id looked up in the boards directories, or a path.
    package var board: String
    package var buses: [BusConfig]
    package var devices: [DeviceConfig]
    /// The site's own profiles, validated exactly like the built-in ones.
    package var profiles: [DeviceProfile]
    package var storage: StorageConfig
    package var uplink: UplinkConfig?
    package var console: ConsoleConfig
    /// `uplinks.gb26875`: the optional link to a fire alarm operations centre.
    package var centre: CentreUplinkConfig? = nil

    package func bus(_ name: String) -> BusConfig? { buses.first { $0.name == name } }
    package func device(_ id: String) -> DeviceConfig? { devices.first { $0.id == id } }
}

/// The site's identity and place (the astronomical clock needs latitude and longitude).
package struct SiteDetails: Sendable, Hashable {
    package var id: String
    package var name: String
    package var latitude: Double?
    package var longitude: Double?
    /// Local time's offset east of UTC in minutes (China: +480).
    package var utcOffsetMinutes: Int
}

/// A Modbus bus: an RS-485 port of the board, or a Modbus TCP endpoint.
package struct BusConfig: Sendable, Hashable {
    package enum Link: Sendable, Hashable {
        case rtu(RTULink)
        case tcp(host: String, port: Int)
    }

    package var name: String
    package var link: Link
    /// How long to wait for the first byte of an answer.
    package var responseTimeout: Duration
    /// The longest silence allowed inside an answer.
    package var byteTimeout: Duration
    /// The quiet time between one frame and the next request; nil = 3.5 characters (t3.5).
    package var interFrameDelay: Duration?
    /// Extra wait after a broadcast or before talking to a slow device (device turnaround).
    package var turnaround: Duration
    /// The planner's largest gap of unused registers inside one request.
    package var maxGap: Int
    /// Consecutive failed polls after which a device is marked offline.
    package var offlineAfter: Int
    /// The longest wait between retries of an offline device (backoff doubles up to this).
    package var maxBackoff: Duration

    /// A bus with a site file's defaults for an RTU bus for what is not given (`Site.parse`
    /// checks the ranges and gives TCP its longer timeouts; this does neither).
    package init(name: String, link: Link, responseTimeout: Duration = .milliseconds(500), byteTimeout: Duration = .milliseconds(100),
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

    package var isRTU: Bool { if case .rtu = link { true } else { false } }
}

/// Serial line settings of an RTU bus.
package struct RTULink: Sendable, Hashable {
    package enum Parity: String, Sendable, Hashable, CaseIterable {
        case none = "N", even = "E", odd = "O"
    }

    /// The board's serial port name, e.g. `rs485-1`.
    package var port: String
    package var baud: Int
    package var parity: Parity
    package var dataBits: Int
    package var stopBits: Int

    package init(port: String, baud: Int = 9600, parity: Parity = .none, dataBits: Int = 8, stopBits: Int = 1) {
        self.port = port
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
    }

    /// Bits on the wire per character: start + data + parity + stop.
    package var bitsPerCharacter: Int { 1 + dataBits + (parity == .none ? 0 : 1) + stopBits }

    /// The time one character takes on the wire.
    package var characterTime: Duration {
        .nanoseconds(Int64(bitsPerCharacter) * 1_000_000_000 / Int64(baud))
    }

    /// t3.5, the silent interval that ends a frame: 3.5 character times up to 19200 baud, fixed
    /// at 1.750 ms above (Modbus serial line guide v1.02, 2.5.1.1).
    package var frameGap: Duration {
        baud > 19_200 ? .microseconds(1750) : .nanoseconds(Int64(bitsPerCharacter) * 3_500_000_000 / Int64(baud))
    }
}

/// One installed device: a Modbus slave on a bus, GPIO signals on board lines, or both.
package struct DeviceConfig: Sendable {
    package var id: String
    package var name: String
    package var family: DeviceFamily
    /// The device's profile with the site's point overrides applied.
    package var profile: DeviceProfile
    /// The bus and unit address, for devices with Modbus points.
    package var bus: String?
    package var address: Int?
    package var poll: Duration
    /// Profile signal name → board line name.
    package var signals: [String: String]
    /// Generic alarm rules on the device's points.
    package var alarms: [AlarmSpec]
    /// The app's settings object, validated by the app when the runtime builds it.
    package var settings: JSONValue?
    /// Where `settings` is in the site file, for error messages.
    package var settingsPath: JSONPath
    package var enabled: Bool
}

/// Where readings and alarms are kept while the uplink is down.
package struct StorageConfig: Sendable, Hashable {
    /// The SQLite file; nil = `outbox.db` in the state directory.
    package var path: String?
    /// The outbox's bound: when full, the oldest telemetry goes first.
    package var maxBytes: Int
    /// How often telemetry is batched into one outbox row (spares flash); 1 s to 1 h.
    package var telemetryInterval: Duration
    /// Which samples go to the platform (docs/configuration.md, `storage.telemetry`).
    package var telemetryMode: TelemetryMode = .every
}

/// Which of the polled samples the uplink sends (`storage.telemetry`).
package enum TelemetryMode: String, Sendable, Hashable, CaseIterable {
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
package struct UplinkConfig: Sendable, Hashable {
    package var url: MQTTURL
    package var clientID: String?
    /// Prepended to every topic (`""` for ThingsBoard).
    package var topicPrefix: String
    package var keepalive: Duration
    package var tls: TLSConfig?
    /// Register reads/writes over RPC are refused unless enabled.
    package var allowRegisterRPC: Bool
    /// This gateway is the only one on its topic prefix: a command for a device named after
    /// another gateway is answered `not-found` rather than left to that gateway.
    package var soleGateway: Bool = false
    /// The role the platform's RPCs act with: a command whose role is above it (an admin
    /// command while this is technician) is refused `forbidden`. Viewer lets the platform only
    /// acknowledge alarms.
    package var rpcRole: ConsoleUser.Role = .technician
}

/// `mqtt[s]://[user:pass@]host:port`.
package struct MQTTURL: Sendable, Hashable, CustomStringConvertible {
    package var secure: Bool
    package var host: String
    package var port: Int
    package var username: String?
    package var password: String?

    package init?(_ text: String) {
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
    package var description: String {
        let auth = username.map { "\($0)@" } ?? ""
        return "\(secure ? "mqtts" : "mqtt")://\(auth)\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

/// TLS files for the uplink.
package struct TLSConfig: Sendable, Hashable {
    package var caFile: String
    package var certFile: String?
    package var keyFile: String?
}

/// The technician's console.
package struct ConsoleConfig: Sendable, Hashable {
    package enum Terminal: String, Sendable, Hashable, CaseIterable {
        /// Probe the terminal; use ANSI editing if it answers.
        case auto
        case ansi
        /// No escape sequences at all.
        case plain
    }

    /// Run on the board's console port.
    package var serial: Bool
    package var baud: Int?
    package var terminal: Terminal
    package var users: [ConsoleUser]
    package var idleLogout: Duration
}

/// A console user from the site config: a name, a role and a crypt(3) hash of the password
/// (yescrypt `$y$…` or SHA-512 crypt `$6$…`), never the password itself. The console and the
/// runtime's command checks use it as it is.
package struct ConsoleUser: Sendable, Hashable {
    /// What a console user may do. Each role may do everything the roles below it may.
    package enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
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

        package static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
    }

    package var name: String
    package var role: Role
    package var passwordHash: String

    package init(name: String, role: Role, passwordHash: String) {
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
