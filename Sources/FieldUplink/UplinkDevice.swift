import FieldApps
import FieldCore
import FieldDevices

/// What the platform is told about one device behind the gateway: announced on
/// `v1/gateway/connect` (with its profile as ThingsBoard's device type) and described on
/// `v1/gateway/attributes`.
package struct UplinkDevice: Sendable, Hashable {
    /// The site's device id (`hydrant-main`).
    package var id: String
    package var name: String
    package var profile: String
    package var family: String
    /// The app that runs the device (`lamp-head`), which decides the commands it takes.
    package var app: String?
    package var vendor: String
    package var model: String
    /// The bus and unit address of a device with a Modbus side.
    package var bus: String?
    package var address: Int?
    /// Point → unit, for every point that has one (`pressure` → `MPa`).
    package var units: [String: String]
    /// Attributes learnt at run time, such as a serial number a device reports.
    package var extra: [String: JSONValue]
    /// The profile's Modbus points and GPIO signals and the commands it declares: the schema
    /// `writePoint` and `runCommand` are checked against before anything runs.
    package var points: [PointSpec]
    package var signals: [SignalSpec]
    package var commands: [CommandSpec]
    /// The commands the device's app declares (`DeviceAppFactory.commands`): `runCommand` takes
    /// these too, checked by the same schema, and refuses a name neither list has.
    package var appCommands: [CommandSpec]

    package init(id: String, name: String = "", profile: String, family: String, app: String? = nil, vendor: String = "",
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
    package init(_ device: DeviceConfig) {
        var units: [String: String] = [:]
        for p in device.profile.points where !p.engineeringUnit.isEmpty { units[p.name] = p.engineeringUnit }
        self.init(id: device.id, name: device.name, profile: device.profile.id, family: device.family.rawValue,
                  app: device.profile.app, vendor: device.profile.vendor, model: device.profile.model,
                  bus: device.bus, address: device.address, units: units, points: device.profile.points,
                  signals: device.profile.signals, commands: device.profile.commands)
    }
}
