import FieldCore
import FieldDevices

/// The indoor-air family's apps, for the runtime's registry.
package enum AirQualityApps {
    package static let factories: [any DeviceAppFactory] = [AirTerminalFactory()]
}

/// Makes `air-terminal` apps from a device's context and `settings` (docs/indoor-air.md).
package struct AirTerminalFactory: DeviceAppFactory {
    package let name = "air-terminal"
    package var commands: [CommandSpec] { AppCommands.airTerminal }

    package init() {}

    /// Returns nil when the settings had any error: a half-understood setting must not run a device.
    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        let before = settings?.reader.issues.count ?? 0
        let s = AirTerminalSettings(context: context, settings: settings)
        settings?.finish()
        guard (settings?.reader.issues.count ?? 0) == before else { return nil }
        return AirTerminalApp(context: context, settings: s)
    }
}
