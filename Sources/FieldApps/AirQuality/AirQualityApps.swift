import FieldCore
import FieldDevices

/// The indoor-air family's apps, for the runtime's registry.
public enum AirQualityApps {
    public static let factories: [any DeviceAppFactory] = [AirTerminalFactory()]
}

/// Makes `air-terminal` apps from a device's context and `settings` (docs/indoor-air.md).
public struct AirTerminalFactory: DeviceAppFactory {
    public let name = "air-terminal"
    public var commands: [CommandSpec] { AppCommands.airTerminal }

    public init() {}

    /// Returns nil when the settings had any error: a half-understood setting must not run a device.
    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        let before = settings?.reader.issues.count ?? 0
        let s = AirTerminalSettings(context: context, settings: settings)
        settings?.finish()
        guard (settings?.reader.issues.count ?? 0) == before else { return nil }
        return AirTerminalApp(context: context, settings: s)
    }
}
