import FieldCore
import FieldSystem

/// The simulator's control socket (`DIR/control.sock`): one JSON request per line, one JSON
/// answer per line — `{"ok": true, "result": …}` or `{"ok": false, "error": "…"}`, like the
/// gateway's local API, and served by the same `JSONLinesServer` (FieldSystem).
final class ControlServer: Sendable {
    typealias Handler = @Sendable (JSONValue) -> Result<JSONValue, ControlError>

    private let server: JSONLinesServer

    var path: String { server.path }

    /// Longest request line; a longer one ends the connection.
    static let maxLine = 64 * 1024
    /// Scenario runners, tests and a technician's `fieldsim` commands at once; one more is refused.
    static let maxClients = 32

    /// Listens at `path` (replacing a stale socket) and serves `handler` until `stop`.
    init(path: String, handler: @escaping Handler) throws(SystemError) {
        server = try JSONLinesServer(
            path: path, name: "sim-control", maxClients: ControlServer.maxClients, idleTimeout: nil,
            maxLine: ControlServer.maxLine, refusalAnswer: ControlServer.answer(to:)
        ) { request in
            switch handler(request) {
            case .success(let result): ["ok": true, "result": result]
            case .failure(let e): ["ok": false, "error": .string(e.message)]
            }
        }
        do {
            try server.start()
        } catch {
            server.stop()
            throw SystemError(code: error.errno, function: "pthread_create", subject: "sim-control")
        }
    }

    deinit { stop() }

    /// Disconnects every client, closes the socket and removes its file.
    func stop() { server.stop() }

    private static func answer(to refusal: JSONLinesServer.Refusal) -> JSONValue? {
        switch refusal {
        case .busy(let maxClients): ["ok": false, "error": .string("\(maxClients) control clients are connected already; try again later")]
        case .lineTooLong: nil
        case .notJSON: ["ok": false, "error": "not JSON: send one request object per line"]
        }
    }
}
