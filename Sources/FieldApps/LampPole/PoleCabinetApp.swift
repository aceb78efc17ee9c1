import FieldCore

/// The pole cabinet's contacts (app `pole-cabinet`, profile `fg-pole-cabinet`): door, water
/// immersion, the cable anti-theft loop and the manhole cover, each debounced; an authorised
/// maintenance window that suppresses the door alarm; and the pole's energy totals, summed from
/// its lamp heads' derived values.
package struct PoleCabinetApp: DeviceApp {
    /// One contact and its alarm.
    struct Contact: Sendable {
        var signal: String
        var alarmType: String
        var severity: Severity
        var rule: DigitalRule
        var reading: Reading?
    }

    package let deviceID: String
    package let settings: PoleCabinetSettings
    package let subscriptions: Set<PointRef>
    private let utcOffsetMinutes: Int
    private var contacts: [Contact]
    private var doorReported = false
    private var maintenance: DeviceMaintenanceWindow?
    /// A window ended while the door was open: the alarm that follows says so.
    private var windowEndedWithDoorOpen = false
    private var publishedMaintenance: DeviceMaintenanceWindow?
    private var maintenancePublished = false
    private var totals: PoleTotals

    package init(context: AppContext, settings: PoleCabinetSettings) {
        deviceID = context.deviceID
        self.settings = settings
        utcOffsetMinutes = context.site.utcOffsetMinutes
        let all = [
            Contact(signal: "door", alarmType: "door-open", severity: .major,
                    rule: DigitalRule(alarmWhen: true, debounce: settings.doorDebounce, offDelay: settings.doorDebounce, message: "cabinet door open")),
            Contact(signal: "water", alarmType: "water-immersion", severity: .major,
                    rule: DigitalRule(alarmWhen: true, debounce: settings.waterDebounce, offDelay: .seconds(60), message: "water in the pole cabinet")),
            Contact(signal: "cable-loop", alarmType: "cable-cut", severity: .major,
                    rule: DigitalRule(alarmWhen: false, debounce: settings.cableDebounce, offDelay: .seconds(10), message: "anti-theft cable loop broken (cable cut or pulled)")),
            Contact(signal: "manhole", alarmType: "manhole-open", severity: .critical,
                    rule: DigitalRule(alarmWhen: true, debounce: settings.manholeDebounce, offDelay: .seconds(10), message: "manhole cover lifted")),
        ]
        contacts = all.filter { context.points[$0.signal] != nil }
        totals = PoleTotals(lamps: settings.lamps, utcOffsetMinutes: context.site.utcOffsetMinutes)
        subscriptions = Set(contacts.map { context.ref($0.signal) }).union(totals.subscriptions)
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        var reply: AppEffect?
        switch input {
        case .reading(let ref, let reading):
            // Readings update the picture; ticks (at least every 5 s) and commands judge it.
            if ref.device == deviceID, let i = contacts.firstIndex(where: { $0.signal == ref.point }) {
                contacts[i].reading = reading
            } else {
                totals.record(ref, reading, now: now)
            }
            return []
        case .command(let command):
            reply = .reply(apply(command, now: now))
        case .tick:
            break
        }
        if let m = maintenance, now >= m.until { endMaintenance() }
        evaluateContacts(now: now, into: &effects)
        publishMaintenance(now: now, into: &effects)
        if input == .tick { effects += totals.publish(now: now) }
        if let reply { effects.append(reply) }
        return effects
    }

    private mutating func evaluateContacts(now: Timestamp, into effects: inout [AppEffect]) {
        for i in contacts.indices {
            guard let reading = contacts[i].reading else { continue }
            let signal = contacts[i].rule.evaluate(reading, now: now)
            // The door's alarm also depends on the maintenance window: below.
            guard contacts[i].signal != "door" else { continue }
            appendAlarm(&effects, AlarmID(device: deviceID, type: contacts[i].alarmType), contacts[i].severity, signal)
        }
        guard let door = contacts.first(where: { $0.signal == "door" }) else { return }
        // The door alarm is what the rule says, except inside an authorised window.
        let report = door.rule.isActive && maintenance == nil
        guard report != doorReported else { return }
        doorReported = report
        let id = AlarmID(device: deviceID, type: "door-open")
        if report {
            let message = windowEndedWithDoorOpen ? "cabinet door still open after the maintenance window ended" : "cabinet door open"
            effects.append(.alarm(id, door.severity, .raise(value: .bool(true), message: message)))
        } else {
            windowEndedWithDoorOpen = false
            effects.append(.alarm(id, door.severity, .clear(value: door.reading?.value)))
        }
    }

    private mutating func endMaintenance() {
        windowEndedWithDoorOpen = contacts.first { $0.signal == "door" }?.rule.isActive ?? false
        maintenance = nil
    }

    private mutating func publishMaintenance(now: Timestamp, into effects: inout [AppEffect]) {
        guard !maintenancePublished || publishedMaintenance != maintenance else { return }
        maintenancePublished = true
        publishedMaintenance = maintenance
        effects += DeviceMaintenanceWindow.derivedValues(maintenance, now: now, utcOffsetMinutes: utcOffsetMinutes)
    }

    /// `maintenance {"action": "start", "for": "1h"}` or `maintenance {"action": "end"}`.
    private mutating func apply(_ command: AppCommand, now: Timestamp) -> Result<JSONValue, AppError> {
        guard command.name == "maintenance" else {
            return .failure(AppError("pole cabinet \(deviceID) does not know the command \"\(command.name)\" (it takes: maintenance)"))
        }
        return DeviceMaintenanceWindow.request(command).map { request in
            if request.start {
                let w = DeviceMaintenanceWindow(until: now + (request.duration ?? settings.maintenanceDuration), by: command.by)
                maintenance = w
                windowEndedWithDoorOpen = false
                return w.started(utcOffsetMinutes: utcOffsetMinutes)
            }
            let was = maintenance != nil
            endMaintenance()
            return DeviceMaintenanceWindow.ended(wasActive: was, by: command.by)
        }
    }
}
