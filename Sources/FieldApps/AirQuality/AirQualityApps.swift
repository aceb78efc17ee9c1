import FieldCore

/// The indoor-air family's apps, for the runtime's registry.
public enum AirQualityApps {
    public static let factories: [any DeviceAppFactory] = [AirTerminalFactory()]
}

/// Makes `air-terminal` apps from a device's context and `settings` (docs/indoor-air.md).
public struct AirTerminalFactory: DeviceAppFactory {
    public let name = "air-terminal"

    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        let s = AirTerminalSettings(context: context, settings: settings)
        settings?.finish()
        return AirTerminalApp(context: context, settings: s)
    }
}
