import FieldCore
import FieldDevices

/// The lamp-pole family's apps, for the runtime's app registry.
package enum LampPoleApps {
    package static let factories: [any DeviceAppFactory] = [
        LampHeadAppFactory(), PoleCabinetAppFactory(), TiltAppFactory(), EnvironmentAppFactory(),
    ]
}

/// Makes `lamp-head` apps. Returns nil (with the reason reported on the settings object when
/// there is one) when the settings are invalid or the device has nothing to switch.
package struct LampHeadAppFactory: DeviceAppFactory {
    package let name = "lamp-head"
    package var commands: [CommandSpec] { [AppCommands.lamp] }
    package init() {}

    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            let app = LampHeadApp(context: context, settings: s.map(LampHeadSettings.read) ?? LampHeadSettings())
            if app == nil, let s {
                s.reader.report(s.path, "device \(context.deviceID) has neither a writable \"switch\" nor a writable \"relay\" point: the lamp-head app cannot drive it")
            }
            return app
        }
    }
}

package struct PoleCabinetAppFactory: DeviceAppFactory {
    package let name = "pole-cabinet"
    package var commands: [CommandSpec] { [AppCommands.maintenance] }
    package init() {}

    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { PoleCabinetApp(context: context, settings: $0.map(PoleCabinetSettings.read) ?? PoleCabinetSettings()) }
    }
}

package struct TiltAppFactory: DeviceAppFactory {
    package let name = "tilt"
    package init() {}

    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { TiltApp(context: context, settings: $0.map(TiltSettings.read) ?? TiltSettings()) }
    }
}

package struct EnvironmentAppFactory: DeviceAppFactory {
    package let name = "environment"
    package init() {}

    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            let delay = s?.duration("sensor-fault-delay", range: .zero ... .hours(24)) ?? .minutes(5)
            return EnvironmentApp(context: context, faultDelay: delay)
        }
    }
}
