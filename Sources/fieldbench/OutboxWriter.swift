import FieldCore
import FieldDevices
import FieldRuntime
import Foundation

/// `fieldbench outbox-writer`: the child process of the outbox's `kill -9` test and the uplink's
/// last-will test. Appends alarm events to an outbox one by one, printing `accepted N` once
/// event N is durable, until `--count` or until it is killed. With `--mqtt` it runs an uplink
/// and prints `connected` first.
enum OutboxWriter {
    struct Refuse: GatewayCommandHandler {
        func execute(_ command: GatewayCommand, origin: CommandOrigin) async -> Result<JSONValue, FieldRuntime.CommandError> {
            .failure(FieldRuntime.CommandError(.unavailable, "outbox-writer runs no commands"))
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) throws {
        var options = [String: String]()
        var rest = arguments[...]
        while let key = rest.popFirst() {
            guard key.hasPrefix("--"), let value = rest.popFirst() else {
                throw Failure(description: "usage: fieldbench outbox-writer --db PATH [--count N] [--mqtt URL --gateway ID]")
            }
            options[String(key.dropFirst(2))] = value
        }
        guard let db = options["db"] else { throw Failure(description: "outbox-writer needs --db PATH") }
        let count = Int(options["count"] ?? "") ?? Int.max
        let gateway = options["gateway"] ?? "outbox-writer"
        let outbox = try Outbox(path: db, maxBytes: 64 << 20)
        var uplink: Uplink?
        if let text = options["mqtt"] {
            guard let url = MQTTURL(text) else { throw Failure(description: "--mqtt: not an mqtt:// URL: \(text)") }
            let u = try Uplink(settings: UplinkSettings(url: url, keepalive: .seconds(5), reconnectDelay: .milliseconds(50) ... .seconds(1)),
                               identity: UplinkIdentity(gateway: gateway), devices: [], outbox: outbox, commands: Refuse())
            try u.start()
            let deadline = monotonicMilliseconds() + 10_000
            while !u.status.connected && monotonicMilliseconds() < deadline { usleep(5000) }
            guard u.status.connected else { throw Failure(description: "cannot connect to \(url): \(u.status.lastError ?? "")") }
            say("connected")
            uplink = u
        }
        let encoder = uplink?.encoder ?? UplinkEncoder(topics: UplinkTopics(gateway: gateway), identity: UplinkIdentity(gateway: gateway))
        // The gateway's own path: the engine hands each alarm to this sink and counts it accepted
        // once `alarm` returns.
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: encoder)
        let clock = SystemClock()
        var n = 0
        while n < count {
            n += 1
            let event = AlarmEvent(kind: n % 2 == 1 ? .raise : .clear, id: AlarmID(device: "writer", type: "test-\(n % 4)"),
                                   severity: .major, time: clock.now(), value: .number(Double(n)), message: "event \(n)")
            sink.alarm(event)
            say("accepted \(n)")
        }
        say("done")
        while true { pause() }
    }

    /// One line on stdout, unbuffered: the test reads it while this process runs.
    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
