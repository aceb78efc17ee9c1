import FieldCore
import FieldDevices

/// The fire-water family's apps, for the runtime's app registry.
package enum FireWaterApps {
    package static let factories: [any DeviceAppFactory] = [PressureAppFactory(), TankLevelAppFactory(), PumpRoomAppFactory()]
}

/// Makes `pressure` apps. Every watched point needs a limit: a `category` or `low`/`high`; the
/// app is not made without one (a device without settings cannot have one).
package struct PressureAppFactory: DeviceAppFactory {
    package let name = "pressure"
    package var commands: [CommandSpec] { [AppCommands.pressureThreshold, AppCommands.maintenance] }
    package init() {}

    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            PressureSettings.read(s, context: context).map { PressureApp(context: context, settings: $0) }
        }
    }
}

/// Makes `tank-level` apps; `low` is required, so a device without settings gets none.
package struct TankLevelAppFactory: DeviceAppFactory {
    package let name = "tank-level"
    package var commands: [CommandSpec] { [AppCommands.tankThreshold, AppCommands.maintenance] }
    package init() {}

    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            s.flatMap(TankLevelSettings.read).map { TankLevelApp(context: context, settings: $0) }
        }
    }
}

package struct PumpRoomAppFactory: DeviceAppFactory {
    package let name = "pump-room"
    package var commands: [CommandSpec] { [AppCommands.maintenance] }
    package init() {}

    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { PumpRoomApp(context: context, settings: $0.map(PumpRoomSettings.read) ?? PumpRoomSettings()) }
    }
}
