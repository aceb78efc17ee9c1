import FieldCore

/// The pole's environment station (app `environment`, profile `fg-pole-env`). Its readings need no
/// logic: the runtime publishes them with their quality and units like every point. The app
/// only says when the station has gone silent, so a dead station is not mistaken for calm air.
public struct EnvironmentApp: DeviceApp {
    public let deviceID: String
    public let subscriptions: Set<PointRef>
    private var commLost: StaleRule
    private var startedAt: Timestamp?
    private var lastAnswerAt: Timestamp?

    /// - Parameter offlineDelay: no answer for this long raises `comm-lost`.
    public init(context: AppContext, offlineDelay: Duration = .seconds(300)) {
        deviceID = context.deviceID
        subscriptions = Set(context.points.keys.map(context.ref))
        commLost = StaleRule(maxAge: offlineDelay, message: "no answer from the environment station")
    }

    public mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        if startedAt == nil { startedAt = now }
        var effects: [AppEffect] = []
        switch input {
        case .reading(let ref, let reading) where ref.device == deviceID && reading.quality.isDeviceAnswer:
            lastAnswerAt = reading.time
        case .command(let c):
            effects.append(.reply(.failure(AppError("environment station \(deviceID) takes no commands (got \"\(c.name)\")"))))
        default:
            break
        }
        appendAlarm(&effects, AlarmID(device: deviceID, type: "comm-lost"), .minor,
                    commLost.evaluate(lastUpdate: lastAnswerAt, startedAt: startedAt ?? now, now: now))
        return effects
    }
}
