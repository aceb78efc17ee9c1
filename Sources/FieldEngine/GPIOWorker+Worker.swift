import FieldCore

extension GPIOWorker: Worker {
    public var workerName: String { "gpio" }
    public var lastBeat: Int64? { heartbeat }
}
