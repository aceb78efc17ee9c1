import FieldCore

extension GPIOWorker: Worker {
    package var workerName: String { "gpio" }
    package var lastBeat: Int64? { heartbeat }
}
