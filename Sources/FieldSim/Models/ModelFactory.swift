import FieldCore
import FieldDevices

/// Makes the simulated site's physics from its site file: one model per device by its profile,
/// and the systems they share — the weather, the fire-water network (when the site has
/// fire-water devices) and one room per air terminal.
struct ModelFactory {
    let site: Site
    let weather: Weather

    /// The models in the site's device order, and every system (weather first).
    func make() -> (models: [any DeviceModel], systems: [any SimSystem]) {
        var systems: [any SimSystem] = [weather]
        let network: HydraulicNetwork? = site.devices.contains { $0.family == .fireWater } ? HydraulicNetwork() : nil
        if let network { systems.append(network) }
        let rooms = makeRooms()
        systems += rooms.values.sorted { $0.id < $1.id }.map { $0 as any SimSystem }
        var models: [any DeviceModel] = []
        for d in site.devices {
            models.append(model(for: d, network: network, room: room(for: d, in: rooms)))
        }
        return (models, systems)
    }

    private func model(for d: DeviceConfig, network: HydraulicNetwork?, room: Room?) -> any DeviceModel {
        let ratedPower = d.settings?["rated-power"]?.numberValue
        switch d.profile.id {
        case "fg-slc": return LampControllerModel(device: d, weather: weather, ratedPower: ratedPower)
        case "fg-lamp-relay": return LampRelayModel(device: d, ratedPower: ratedPower)
        case "fg-pole-env": return PoleEnvironmentModel(device: d, weather: weather)
        case "fg-tilt": return TiltSensorModel(device: d, weather: weather)
        case "fg-pole-cabinet": return PoleCabinetModel(device: d)
        case "fg-lift", "fg-lift-ctl": return LiftModel(device: d)
        case "fg-efd": return ElectricalFireDetectorModel(device: d, weather: weather)
        default: break
        }
        if let network {
            switch d.profile.id {
            case "fg-pressure-tx": return PressureTransmitterModel(device: d, network: network)
            case "fg-ai4": return AnalogInputModuleModel(device: d, network: network)
            case "fg-level": return LevelTransmitterModel(device: d, network: network)
            case "fg-pump-room": return PumpRoomModel(device: d, network: network)
            default: break
            }
        }
        if let room {
            switch d.profile.id {
            case "fg-air-terminal": return AirTerminalModel(device: d, room: room)
            case "senseair-s8": return SenseAirS8Model(device: d, room: room)
            case "fg-pm-tx", "fg-th-tx": return RoomTransmitterModel(device: d, room: room)
            default: break
            }
        }
        return GenericModel(device: d)
    }

    /// A room per air terminal, named after it; `room` when the site has indoor-air sensors but
    /// no terminal.
    private func makeRooms() -> [String: Room] {
        var rooms: [String: Room] = [:]
        for d in site.devices where d.profile.id == "fg-air-terminal" { rooms[d.id] = Room(id: d.id, weather: weather) }
        if rooms.isEmpty, site.devices.contains(where: { $0.family == .indoorAir }) {
            rooms["room"] = Room(id: "room", weather: weather)
        }
        return rooms
    }

    /// The room a sensor is in: the terminal's own; the room of the terminal whose settings name
    /// one of the sensor's points (`"co2": "s8-1.co2"`); else the site's first room.
    private func room(for d: DeviceConfig, in rooms: [String: Room]) -> Room? {
        if let own = rooms[d.id] { return own }
        guard d.family == .indoorAir else { return nil }
        for t in site.devices where rooms[t.id] != nil {
            if let settings = t.settings, Self.mentions(settings, device: d.id) { return rooms[t.id] }
        }
        let first = site.devices.first { rooms[$0.id] != nil }?.id ?? "room"
        return rooms[first]
    }

    static func mentions(_ value: JSONValue, device: String) -> Bool {
        switch value {
        case .string(let s): return s.hasPrefix(device + ".")
        case .array(let a): return a.contains { mentions($0, device: device) }
        case .object(let o): return o.values.contains { mentions($0, device: device) }
        default: return false
        }
    }
}
