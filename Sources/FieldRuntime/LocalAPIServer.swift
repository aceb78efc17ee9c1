import FieldCore
import FieldEngine
import FieldHAL
import FieldSystem
import FoundationEssentials

/// The gateway's local API: one JSON request per line on a Unix socket, one JSON answer per
/// line (`{"ok": true, "result": …}` or `{"ok": false, "error": "…", "code": "…"}`). `fieldgate
/// points`, scripts and the end-to-end tests use it; file permissions (0660) restrict it to root
/// and the gateway's group. The socket, threads and limits are FieldSystem's `JSONLinesServer`.
package final class LocalAPIServer: Sendable {
    /// Answers one request; call `reply` exactly once, from any thread.
    package typealias Handler = @Sendable (JSONValue, _ reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) -> Void

    private let server: JSONLinesServer

    /// Longest request line accepted; longer ones are answered with an error and dropped.
    static let maxLine = 64 * 1024

    package var path: String { server.path }
    /// Clients served at once; one more is answered "busy" and closed.
    package var maxClients: Int { server.maxClients }
    /// A connection with no request for this long is closed, so idle clients cannot hold every slot.
    package var idleTimeout: Duration { server.idleTimeout ?? .zero }

    package init(path: String, maxClients: Int = 16, idleTimeout: Duration = .minutes(10), handler: @escaping Handler) throws(SystemError) {
        server = try JSONLinesServer(
            path: path, name: "api", maxClients: maxClients, idleTimeout: idleTimeout, maxLine: LocalAPIServer.maxLine,
            permissions: 0o660, refusalAnswer: LocalAPIServer.answer(to:)
        ) { request in
            LocalAPIServer.answer(handler, request)
        }
    }

    package func start() throws(WorkerThreadError) { try server.start() }

    package func stop() { server.stop() }

    /// Clients being served now.
    package var clientCount: Int { server.clientCount }

    /// Waits for the handler's reply (requests on a connection are answered in order).
    private static func answer(_ handler: Handler, _ request: JSONValue) -> JSONValue {
        let done = BlockingQueue<Result<JSONValue, CommandError>>()
        handler(request) { done.push($0) }
        guard let result = done.pop(until: monotonicMilliseconds() + 30_000) else {
            return body(.failure(CommandError(.unavailable, "no answer within 30 s")))
        }
        return body(result)
    }

    private static func answer(to refusal: JSONLinesServer.Refusal) -> JSONValue? {
        switch refusal {
        case .busy(let maxClients):
            body(.failure(CommandError(.unavailable, "\(maxClients) local API clients are connected already; try again later")))
        case .lineTooLong(let maxLine):
            body(.failure(CommandError(.invalidArgument, "request longer than \(maxLine) bytes")))
        case .notJSON(let error):
            body(.failure(CommandError(.invalidArgument, "\(error)")))
        }
    }

    private static func body(_ result: Result<JSONValue, CommandError>) -> JSONValue {
        switch result {
        case .success(let v): ["ok": true, "result": v]
        case .failure(let e): ["ok": false, "error": .string(e.message), "code": .string(e.code.rawValue)]
        }
    }
}

/// A client of a gateway's local API (for `fieldgate points`, `fieldgate status`, tests).
package final class LocalAPIClient {
    private let connection: JSONLineConnection

    package init(path: String) throws(SystemError) {
        connection = try JSONLineConnection(path: path)
    }

    /// Sends one request and waits for its answer.
    ///
    /// - Throws: `CommandError` with the gateway's refusal (and its code), or `.unavailable`
    ///   when the gateway sent no answer.
    package func call(_ request: JSONValue) throws -> JSONValue {
        do {
            return try connection.call(request, timeout: nil)
        } catch {
            throw CommandError(error.code.flatMap(CommandError.Code.init(rawValue:)) ?? .unavailable, error.message)
        }
    }
}
