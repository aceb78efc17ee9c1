import FieldCore

extension BusWorker: Worker {
    package var workerName: String { "bus \(name)" }
    package var lastBeat: Int64? { heartbeat }
}
