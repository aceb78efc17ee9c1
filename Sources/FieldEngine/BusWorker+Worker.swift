import FieldCore

extension BusWorker: Worker {
    public var workerName: String { "bus \(name)" }
    public var lastBeat: Int64? { heartbeat }
}
