import FieldCore

extension Engine: Worker {
    public var workerName: String { "engine" }
    public var lastBeat: Int64? { heartbeat }
}
