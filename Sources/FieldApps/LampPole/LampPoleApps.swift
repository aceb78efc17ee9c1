import FieldCore
import FieldDevices

/// The lamp-pole family's apps, for the runtime's app registry.
public enum LampPoleApps {
    public static let factories: [any DeviceAppFactory] = [
        LampHeadAppFactory(), PoleCabinetAppFactory(), TiltAppFactory(), EnvironmentAppFactory(),
    ]
}

/// Makes `lamp-head` apps. Returns nil (with the reason reported on the settings object when
/// there is one) when the settings are invalid or the device has nothing to switch.
public struct LampHeadAppFactory: DeviceAppFactory {
    public let name = "lamp-head"
    public var commands: [CommandSpec] { [AppCommands.lamp] }
    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            let app = LampHeadApp(context: context, settings: s.map(LampHeadSettings.read) ?? LampHeadSettings())
            if app == nil, let s {
                s.reader.report(s.path, "device \(context.deviceID) has neither a writable \"switch\" nor a writable \"relay\" point: the lamp-head app cannot drive it")
            }
            return app
        }
    }
}

public struct PoleCabinetAppFactory: DeviceAppFactory {
    public let name = "pole-cabinet"
    public var commands: [CommandSpec] { [AppCommands.maintenance] }
    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { PoleCabinetApp(context: context, settings: $0.map(PoleCabinetSettings.read) ?? PoleCabinetSettings()) }
    }
}

public struct TiltAppFactory: DeviceAppFactory {
    public let name = "tilt"
    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { TiltApp(context: context, settings: $0.map(TiltSettings.read) ?? TiltSettings()) }
    }
}

public struct EnvironmentAppFactory: DeviceAppFactory {
    public let name = "environment"
    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            let delay = s?.duration("sensor-fault-delay", range: .zero ... .hours(24)) ?? .minutes(5)
            return EnvironmentApp(context: context, faultDelay: delay)
        }
    }
}
