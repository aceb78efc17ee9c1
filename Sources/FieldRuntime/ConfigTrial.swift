import FieldCore
import FieldSystem
import FieldHAL
import FoundationEssentials

/// A configuration the platform pushed, on trial until the gateway proves healthy on it
/// (docs/uplink.md, "Remote configuration"). Kept in the state directory, so it outlives the
/// restart that applies it and any crash on the new configuration:
///
/// - `config-previous.json`: the site file the push replaced, what a rollback writes back;
/// - `config-trial.json`: the trial (hashes, who, when, how many starts it has had);
/// - `config-status.json`: the last outcome, reported to the platform as attributes.
package struct ConfigTrialFiles: Sendable {
    package let stateDirectory: String
    package init(stateDirectory: String) { self.stateDirectory = stateDirectory }

    package var previous: String { stateDirectory + "/config-previous.json" }
    package var trial: String { stateDirectory + "/config-trial.json" }
    package var status: String { stateDirectory + "/config-status.json" }

    package func readTrial() -> ConfigTrialRecord? { read(trial).flatMap(ConfigTrialRecord.init(json:)) }
    package func readStatus() -> ConfigOutcome? { read(status).flatMap(ConfigOutcome.init(json:)) }

    package func write(_ record: ConfigTrialRecord) throws(SystemError) { try DurableFile.replace(trial, with: Array(record.json.serialized().utf8)) }
    package func write(_ outcome: ConfigOutcome) throws(SystemError) { try DurableFile.replace(status, with: Array(outcome.json.serialized().utf8)) }
    package func removeTrial() { try? FileSystem.remove(trial) }

    private func read(_ path: String) -> JSONValue? {
        guard let bytes = try? DurableFile.read(path) else { return nil }
        return try? JSONValue.parse(Data(bytes))
    }
}

/// The push on trial.
package struct ConfigTrialRecord: Sendable, Hashable {
    package var hash: String
    package var previousHash: String
    package var by: String
    package var requestedAt: Timestamp
    /// Starts of the gateway on the new configuration so far.
    package var boots: Int

    package init(hash: String, previousHash: String, by: String, requestedAt: Timestamp, boots: Int = 0) {
        (self.hash, self.previousHash, self.by, self.requestedAt, self.boots) = (hash, previousHash, by, requestedAt, boots)
    }

    init?(json: JSONValue) {
        guard let hash = json["hash"]?.stringValue, let previous = json["previousHash"]?.stringValue,
              let by = json["by"]?.stringValue, let at = json["requestedAt"]?.numberValue, let boots = json["boots"]?.numberValue,
              at >= 0, at < 1e15, boots >= 0, boots < 1e6 else { return nil }
        self.init(hash: hash, previousHash: previous, by: by, requestedAt: Timestamp(milliseconds: Int64(at)), boots: Int(boots))
    }

    var json: JSONValue {
        ["hash": .string(hash), "previousHash": .string(previousHash), "by": .string(by),
         "requestedAt": .number(Double(requestedAt.milliseconds)), "boots": .number(Double(boots))]
    }
}

/// How the last push or rollback ended: the `configState` attribute and its reason.
package struct ConfigOutcome: Sendable, Hashable {
    package enum State: String, Sendable {
        /// Running on trial, not yet proven healthy.
        case trial
        /// Proven healthy: kept.
        case applied
        /// The previous configuration is back (not healthy in time, a crash loop, or asked for).
        case rolledBack = "rolled-back"
    }

    package var state: State
    package var hash: String
    package var reason: String?
    package var time: Timestamp

    package init(state: State, hash: String, reason: String? = nil, time: Timestamp) {
        (self.state, self.hash, self.reason, self.time) = (state, hash, reason, time)
    }

    init?(json: JSONValue) {
        guard let s = json["state"]?.stringValue, let state = State(rawValue: s), let hash = json["hash"]?.stringValue,
              let t = json["ts"]?.numberValue, t >= 0, t < 1e15 else { return nil }
        self.init(state: state, hash: hash, reason: json["reason"]?.stringValue, time: Timestamp(milliseconds: Int64(t)))
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["state": .string(state.rawValue), "hash": .string(hash), "ts": .number(Double(time.milliseconds))]
        if let reason { o["reason"] = .string(reason) }
        return .object(o)
    }

    /// The gateway attributes the platform sees.
    package var attributes: [String: JSONValue] {
        ["configState": .string(state.rawValue), "configUpdated": .number(Double(time.milliseconds)), "configError": .string(reason ?? "")]
    }
}

/// Decides, once a second, whether the configuration on trial has proven itself: healthy (every
/// criterion met) within `window` of this start, or rolled back with the criteria still unmet.
/// Pure: the caller passes the monotonic time and what is not healthy yet.
package struct ConfigTrialWatch: Sendable {
    package enum Decision: Sendable, Hashable {
        case waiting
        case healthy
        case rollBack(reason: String)
    }

    package let startedAt: Int64
    package let window: Duration

    /// What is on trial, for the reason: "configuration" or "firmware".
    package let subject: String

    package init(startedAt: Int64, window: Duration, subject: String = "configuration") {
        self.startedAt = startedAt
        self.window = window
        self.subject = subject
    }

    /// - Parameters:
    ///   - now: monotonic milliseconds.
    ///   - unmet: the health criteria not met yet ("the uplink is not connected"); empty when healthy.
    package func decide(now: Int64, unmet: [String]) -> Decision {
        if unmet.isEmpty { return .healthy }
        guard now - startedAt >= window.milliseconds else { return .waiting }
        return .rollBack(reason: "not healthy within \(window.milliseconds / 1000) s of the start on the new \(subject): " + unmet.joined(separator: "; "))
    }
}
