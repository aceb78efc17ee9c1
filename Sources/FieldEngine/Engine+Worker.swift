import FieldCore

extension Engine: Worker {
    package var workerName: String { "engine" }
    package var lastBeat: Int64? { heartbeat }
}
