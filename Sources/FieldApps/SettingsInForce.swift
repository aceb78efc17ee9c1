import FieldCore

// The notation of `DeviceApp.settingsInForce`: each value as the site file writes it, so what the
// console shows can be typed back into `config set` (and reads back to the same settings).

extension JSONValue {
    /// A duration as the site file writes it: "10s", "5m", "2h".
    static func duration(_ d: Duration) -> JSONValue { .string(formatDuration(d)) }

    /// A duration that may be negative: "-15m".
    static func signedDuration(_ d: Duration) -> JSONValue {
        .string(d < .zero ? "-" + formatDuration(.zero - d) : formatDuration(d))
    }

    static func int(_ n: Int) -> JSONValue { .number(Double(n)) }

    /// An optional setting: null when the app has none (no light sensor, no rated power).
    static func optional<T>(_ v: T?, _ show: (T) -> JSONValue) -> JSONValue { v.map(show) ?? .null }

    static func point(_ ref: PointRef) -> JSONValue { .string(ref.device + "." + ref.point) }
}
