import FieldCore

extension EnvironmentApp {
    public var settingsInForce: [String: JSONValue] { ["sensor-fault-delay": .duration(faultDelay)] }
}
