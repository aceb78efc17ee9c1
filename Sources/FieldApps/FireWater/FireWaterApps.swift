import FieldCore
import FieldDevices

/// The fire-water family's apps, for the runtime's app registry.
public enum FireWaterApps {
    public static let factories: [any DeviceAppFactory] = [PressureAppFactory(), TankLevelAppFactory(), PumpRoomAppFactory()]
}

/// Makes `pressure` apps. Every watched point needs a limit: a `category` or `low`/`high`; the
/// app is not made without one (a device without settings cannot have one).
public struct PressureAppFactory: DeviceAppFactory {
    public let name = "pressure"
    public var commands: [CommandSpec] { [AppCommands.pressureThreshold, AppCommands.maintenance] }
    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            PressureSettings.read(s, context: context).map { PressureApp(context: context, settings: $0) }
        }
    }
}

/// Makes `tank-level` apps; `low` is required, so a device without settings gets none.
public struct TankLevelAppFactory: DeviceAppFactory {
    public let name = "tank-level"
    public var commands: [CommandSpec] { [AppCommands.tankThreshold, AppCommands.maintenance] }
    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            s.flatMap(TankLevelSettings.read).map { TankLevelApp(context: context, settings: $0) }
        }
    }
}

public struct PumpRoomAppFactory: DeviceAppFactory {
    public let name = "pump-room"
    public var commands: [CommandSpec] { [AppCommands.maintenance] }
    public init() {}

    public func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { PumpRoomApp(context: context, settings: $0.map(PumpRoomSettings.read) ?? PumpRoomSettings()) }
    }
}
