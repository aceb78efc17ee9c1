/// A maintenance action a device's profile defines (register writes with a known meaning):
/// `set-address`, `set-baud`, `zero` (pressure transmitter zero point), `background-calibration`
/// (SenseAir S8), …
public struct DeviceAction: Hashable, Sendable {
    public var name: String
    /// One line for the technician: what it does and what to do first
    /// ("sets the zero point: vent the transmitter to atmosphere first").
    public var summary: String
    /// The argument it takes (`ADDRESS`, `BAUD`), nil for none.
    public var argument: String?
    /// The argument values allowed (e.g. 1…247, or 2400/4800/9600/19200), empty for any integer.
    public var allowed: [Int]

    public init(name: String, summary: String, argument: String? = nil, allowed: [Int] = []) {
        (self.name, self.summary, self.argument, self.allowed) = (name, summary, argument, allowed)
    }
}

/// A request to run a device action.
public struct DeviceActionRequest: Hashable, Sendable {
    public var device: String
    public var action: String
    public var argument: Int?
    /// Talk to this unit id instead of the configured one (a replacement sensor still on its
    /// factory address); nil for the site config's address.
    public var unit: Int?

    public init(device: String, action: String, argument: Int? = nil, unit: Int? = nil) {
        (self.device, self.action, self.argument, self.unit) = (device, action, argument, unit)
    }
}

/// What a device action did.
public struct DeviceActionResult: Hashable, Sendable {
    /// One line for the technician ("unit 1 now answers at 3; config devices[2].address is 3").
    public var message: String
    public var old: String?
    public var new: String?
    /// The site-config change the action made too (e.g. the device's address), pending until
    /// `config save`.
    public var configChange: ConfigChange?

    public init(message: String, old: String? = nil, new: String? = nil, configChange: ConfigChange? = nil) {
        (self.message, self.old, self.new, self.configChange) = (message, old, new, configChange)
    }
}
