import FieldCore
import FieldHAL
import FieldSystem

/// A client of a running gateway's local API (`STATE_DIR/fieldgate.sock`; JSON lines, see
/// FieldRuntime's `LocalAPIServer`): what scenarios and the end-to-end tests read the gateway's
/// points, alarms, devices and buses through. The simulator does not link the runtime, so this
/// speaks the documented protocol itself.
package final class GatewayClient {
    private let connection: JSONLineConnection

    /// - Throws: `SystemError` when the gateway is not listening (yet).
    package init(stateDirectory: String) throws(SystemError) {
        connection = try JSONLineConnection(path: stateDirectory + "/fieldgate.sock")
    }

    /// Sends `request` (`{"op": "points"}`, …) and returns the gateway's `result`.
    ///
    /// - Throws: `GatewayError` with the gateway's refusal or why no answer came.
    package func call(_ request: JSONValue, timeout: Duration = .seconds(5)) throws(GatewayError) -> JSONValue {
        do {
            return try connection.call(request, timeout: timeout)
        } catch {
            throw GatewayError(message: error.message, refused: error.refused)
        }
    }

    /// Every point: `device.point` → (value, quality, time).
    package func points() throws(GatewayError) -> [String: GatewayPoint] {
        var out: [String: GatewayPoint] = [:]
        for p in try call(["op": "points"]).arrayValue ?? [] {
            guard let name = p["point"]?.stringValue else { continue }
            out[name] = GatewayPoint(value: p["value"] ?? .null, quality: p["quality"]?.stringValue ?? "none",
                                     time: p["time"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
        }
        return out
    }

    /// Active alarms and cleared ones not yet acknowledged.
    package func alarms() throws(GatewayError) -> [GatewayAlarm] {
        (try call(["op": "alarms"]).arrayValue ?? []).compactMap { a in
            guard let id = a["id"]?.stringValue else { return nil }
            return GatewayAlarm(id: id, active: a["active"]?.boolValue ?? false, severity: a["severity"]?.stringValue ?? "",
                                message: a["message"]?.stringValue ?? "",
                                raisedAt: a["raisedAt"]?.stringValue.flatMap { Timestamp(iso8601: $0) },
                                clearedAt: a["clearedAt"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
        }
    }
}

/// A point as the gateway's local API shows it.
package struct GatewayPoint: Sendable, Hashable {
    package var value: JSONValue
    package var quality: String
    package var time: Timestamp?
}

/// An alarm as the gateway's local API shows it.
package struct GatewayAlarm: Sendable, Hashable {
    package var id: String
    package var active: Bool
    package var severity: String
    package var message: String
    package var raisedAt: Timestamp?
    package var clearedAt: Timestamp?
}

/// The gateway refused a request, or did not answer.
package struct GatewayError: Error, Sendable, CustomStringConvertible {
    package var message: String
    /// It answered with `{"ok": false}`.
    package var refused: Bool
    package var description: String { message }
}
