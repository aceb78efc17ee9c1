import FieldCore

/// The elevator family's apps, for the runtime's registry.
public enum ElevatorApps {
    public static let factories: [any DeviceAppFactory] = [LiftFactory()]
}

/// Makes `lift` apps from a device's context and `settings` (docs/elevator.md).
public struct LiftFactory: DeviceAppFactory {
    public let name = "lift"

    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        let s = LiftSettings(settings: settings)
        settings?.finish()
        return LiftApp(context: context, settings: s)
    }
}
