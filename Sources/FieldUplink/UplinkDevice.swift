import FieldApps
import FieldCore
import FieldDevices

/// What the platform is told about one device behind the gateway: announced on
/// `v1/gateway/connect` (with its profile as ThingsBoard's device type) and described on
/// `v1/gateway/attributes`.
public struct UplinkDevice: Sendable, Hashable {
    /// The site's device id (`hydrant-main`).
    public var id: String
    public var name: String
    public var profile: String
    public var family: String
    /// The app that runs the device (`lamp-head`), which decides the commands it takes.
    public var app: String?
    public var vendor: String
    public var model: String
    /// The bus and unit address of a device with a Modbus side.
    public var bus: String?
    public var address: Int?
    /// Point → unit, for every point that has one (`pressure` → `MPa`).
    public var units: [String: String]
    /// Attributes learnt at run time, such as a serial number a device reports.
    public var extra: [String: JSONValue]
    /// The profile's Modbus points and GPIO signals and the commands it declares: the schema
    /// `writePoint` and `runCommand` are checked against before anything runs.
    public var points: [PointSpec]
    public var signals: [SignalSpec]
    public var commands: [CommandSpec]
    /// The commands the device's app declares (`DeviceAppFactory.commands`): `runCommand` takes
    /// these too, checked by the same schema, and refuses a name neither list has.
    public var appCommands: [CommandSpec]

    public init(id: String, name: String = "", profile: String, family: String, app: String? = nil, vendor: String = "",
                model: String = "", bus: String? = nil, address: Int? = nil, units: [String: String] = [:],
                extra: [String: JSONValue] = [:], points: [PointSpec] = [], signals: [SignalSpec] = [], commands: [CommandSpec] = [],
                appCommands: [CommandSpec]? = nil) {
        self.id = id
        self.name = name
        self.profile = profile
        self.family = family
        self.app = app
        self.vendor = vendor
        self.model = model
        self.bus = bus
        self.address = address
        self.units = units
        self.extra = extra
        self.points = points
        self.signals = signals
        self.commands = commands
        self.appCommands = appCommands ?? app.flatMap { BuiltinApps.factories[$0]?.commands } ?? []
    }

    /// The description of an installed device from the site file and its profile.
    public init(_ device: DeviceConfig) {
        var units: [String: String] = [:]
        for p in device.profile.points where !p.engineeringUnit.isEmpty { units[p.name] = p.engineeringUnit }
        self.init(id: device.id, name: device.name, profile: device.profile.id, family: device.family.rawValue,
                  app: device.profile.app, vendor: device.profile.vendor, model: device.profile.model,
                  bus: device.bus, address: device.address, units: units, points: device.profile.points,
                  signals: device.profile.signals, commands: device.profile.commands)
    }
}
