import FieldCore

/// The pole's environment station (app `environment`, profile `fg-pole-env`). Its readings need no
/// logic: the runtime publishes them with their quality and units like every point (and raises
/// `comm-lost` when the station stops answering). The app only says when one of its sensors has
/// failed — a reading that stays a sensor fault or outside the sensor's range — so a broken
/// particle counter gets a visit instead of quietly reporting nonsense.
package struct EnvironmentApp: DeviceApp {
    package let deviceID: String
    package let subscriptions: Set<PointRef>
    package let faultDelay: Duration
    private var sensors: [String: (rule: QualityRule, reading: Reading?)]

    /// - Parameter faultDelay: how long a sensor must stay faulty (dust on a particle counter's
    ///   optics or a gust on the anemometer make brief nonsense).
    package init(context: AppContext, faultDelay: Duration = .minutes(5)) {
        deviceID = context.deviceID
        self.faultDelay = faultDelay
        subscriptions = Set(context.points.keys.map(context.ref))
        sensors = [:]
        for name in context.points.keys {
            sensors[name] = (QualityRule([.sensorFault, .outOfRange], onDelay: faultDelay, message: "\(name) sensor faulty or reading outside its range"), nil)
        }
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        switch input {
        case .reading(let ref, let reading):
            if ref.device == deviceID, sensors[ref.point] != nil { sensors[ref.point]!.reading = reading }
            return []
        case .command(let c):
            return [.reply(.failure(AppError("environment station \(deviceID) takes no commands (got \"\(c.name)\")")))]
        case .tick:
            var effects: [AppEffect] = []
            for name in sensors.keys.sorted() {
                guard var s = sensors[name], let reading = s.reading else { continue }
                appendAlarm(&effects, AlarmID(point: PointRef(device: deviceID, point: name), type: "sensor-fault"), .minor,
                            s.rule.evaluate(reading, now: now))
                sensors[name] = s
            }
            return effects
        }
    }
}
