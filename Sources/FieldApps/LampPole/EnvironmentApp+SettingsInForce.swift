import FieldCore

extension EnvironmentApp {
    package var settingsInForce: [String: JSONValue] { ["sensor-fault-delay": .duration(faultDelay)] }
}
