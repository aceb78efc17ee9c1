/// Every app this firmware has, by the name a profile's `app` field uses.
package enum BuiltinApps {
    package static let all: [any DeviceAppFactory] = LampPoleApps.factories + FireWaterApps.factories + AirQualityApps.factories
        + ElevatorApps.factories + ElectricalFireApps.factories

    package static let factories: [String: any DeviceAppFactory] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
}
