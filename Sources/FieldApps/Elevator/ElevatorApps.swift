import FieldCore
import FieldDevices

/// The elevator family's apps, for the runtime's registry.
public enum ElevatorApps {
    public static let factories: [any DeviceAppFactory] = [LiftFactory()]
}

/// Makes `lift` apps from a device's context and `settings` (docs/elevator.md).
public struct LiftFactory: DeviceAppFactory {
    public let name = "lift"
    public var commands: [CommandSpec] { AppCommands.lift }

    public init() {}

    /// Returns nil when the settings had any error: a half-understood setting must not run a device.
    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        let before = settings?.reader.issues.count ?? 0
        let s = LiftSettings(settings: settings)
        settings?.finish()
        guard (settings?.reader.issues.count ?? 0) == before else { return nil }
        return LiftApp(context: context, settings: s)
    }
}
