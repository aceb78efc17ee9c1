import FieldCore
import FieldEngine
import Synchronization

/// The local API as one of the gateway's workers: its socket is made when the gateway starts
/// (the state directory may be missing or read-only; the gateway then runs on without it).
final class LocalAPIWorker: Worker {
    let workerName = "api"
    private let path: String
    private let handler: LocalAPIServer.Handler
    private let server = Mutex<LocalAPIServer?>(nil)

    init(path: String, handler: @escaping LocalAPIServer.Handler) {
        self.path = path
        self.handler = handler
    }

    func start() throws {
        let s = try LocalAPIServer(path: path, handler: handler)
        try s.start()
        server.withLock { $0 = s }
    }

    func stop() { server.withLock { $0 }?.stop() }

    /// Its threads wait for clients; there is no loop to watch.
    var lastBeat: Int64? { nil }
}
