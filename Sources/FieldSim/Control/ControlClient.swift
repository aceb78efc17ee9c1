import FieldCore
import FieldHAL
import FieldSystem

/// A client of a simulator's control socket: `fieldsim ctl`, and tests driving a `fieldsim run`
/// process.
package final class ControlClient {
    private let connection: JSONLineConnection

    package var path: String { connection.path }

    /// - Throws: `SystemError` when nothing listens at `path`.
    package init(path: String) throws(SystemError) {
        connection = try JSONLineConnection(path: path)
    }

    /// Sends a request and waits (at most `timeout`) for its answer.
    ///
    /// - Throws: `ControlError` with the simulator's refusal, or when the simulator is gone.
    package func call(_ request: ControlRequest, timeout: Duration = .seconds(10)) throws(ControlError) -> JSONValue {
        try call(request.json, timeout: timeout)
    }

    package func call(_ request: JSONValue, timeout: Duration = .seconds(10)) throws(ControlError) -> JSONValue {
        do {
            return try connection.call(request, timeout: timeout)
        } catch {
            throw ControlError(error.message)
        }
    }
}
