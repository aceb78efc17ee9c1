import FieldCore
import FieldDevices

/// The elevator family's apps, for the runtime's registry.
package enum ElevatorApps {
    package static let factories: [any DeviceAppFactory] = [LiftFactory()]
}

/// Makes `lift` apps from a device's context and `settings` (docs/elevator.md).
package struct LiftFactory: DeviceAppFactory {
    package let name = "lift"
    package var commands: [CommandSpec] { AppCommands.lift }

    package init() {}

    /// Returns nil when the settings had any error: a half-understood setting must not run a device.
    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        let before = settings?.reader.issues.count ?? 0
        let s = LiftSettings(settings: settings)
        settings?.finish()
        guard (settings?.reader.issues.count ?? 0) == before else { return nil }
        return LiftApp(context: context, settings: s)
    }
}
