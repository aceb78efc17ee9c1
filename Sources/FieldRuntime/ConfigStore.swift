import FieldCore
import FieldDevices
import FieldHAL
import FieldStore
import FoundationEssentials
import Synchronization

/// The site document as the console edits it: a running copy with pending changes, and the
/// saved file. Every change is validated exactly like the file (`GatewayConfiguration.validate`,
/// board included), applied to the running gateway where that can be done live, and written to
/// disk only by `save()` (atomically, keeping the previous file as `site.json.prev`).
///
/// Safe to use from several console sessions at once: changes are serialized.
package final class ConfigStore: Sendable {
    /// Validates a site document with its board, as at start.
    package typealias Validator = @Sendable (JSONValue) throws(ConfigError) -> GatewayConfiguration

    struct State: Sendable {
        var running: GatewayConfiguration
        var saved: JSONValue
        /// Set when the platform replaced the site file (`replaceFromPlatform`): the gateway is
        /// restarting on it, and a console edit now would write over it.
        var replacedBy: String?
    }

    /// The site file.
    package let sitePath: String
    /// The configuration the gateway was started with: changes elsewhere need a restart.
    package let started: GatewayConfiguration
    /// Where `factory-reset` takes the site from: `site.json.factory` beside the site file.
    package let factoryPath: String
    private let validate: Validator
    let state: Mutex<State>
    let target = Mutex<(any LiveConfigTarget)?>(nil)
    let log = Logger("config")

    /// - Parameters:
    ///   - configuration: what the gateway runs (its `document` is taken as the saved file).
    ///   - factoryPath: the factory site file; default `<site>.factory`.
    package init(configuration: GatewayConfiguration, factoryPath: String? = nil, validate: @escaping Validator) {
        sitePath = configuration.sitePath
        started = configuration
        self.factoryPath = factoryPath ?? configuration.sitePath + ".factory"
        self.validate = validate
        state = Mutex(State(running: configuration, saved: configuration.document))
    }

    /// The previous file `save()` keeps.
    package var previousPath: String { sitePath + ".prev" }

    /// Where live changes go (the running gateway); without one, every change needs a restart.
    package func attach(_ target: any LiveConfigTarget) { self.target.withLock { $0 = target } }

    /// The running configuration, pending changes included.
    package var running: GatewayConfiguration { state.withLock { $0.running } }

    /// Every key of the running document, parents first (for tab completion).
    package func keys() -> [String] {
        state.withLock { $0.running.document }.keys().map(\.description)
    }

    /// The value at `key` in the running document.
    package func value(at key: String) throws(ConfigStoreError) -> JSONValue {
        let document = state.withLock { $0.running.document }
        let k = try parse(key, in: document)
        guard let v = document.value(at: k.components) else { throw notFound(k, in: document) }
        return v
    }

    /// Sets `key` to `value` (nil removes it), validated like the file and applied live where
    /// possible. Pending until `save()`.
    /// - Parameter requester: who asks; a change that lets a role do more needs an admin
    ///   (`checkRoles`). nil only for a caller that stands for the gateway itself (tests, tools).
    /// - Throws: `.invalid` with the JSON path of every problem; `.notFound` when the key leads
    ///   into a value that is not an object or array, or past an array's end; `.forbidden`.
    package func set(_ key: String, to value: JSONValue?, by requester: CommandOrigin? = nil) throws(ConfigStoreError) -> ConfigEdit {
        return try state.withLock { s throws(ConfigStoreError) -> ConfigEdit in
            if let by = s.replacedBy { throw .conflict(by) }
            let k = try parse(key, in: s.running.document)
            let old = s.running.document.value(at: k.components)
            if value == nil, old == nil { throw notFound(k, in: s.running.document) }
            guard let document = s.running.document.setting(value, at: k.components[...]) else {
                throw notFound(k, in: s.running.document)
            }
            let next = try check(document)
            try ConfigStore.checkRoles(from: s.running.site, to: next.site, by: requester)
            let effect = effect(of: k, to: next)
            applyLive(from: s.running, to: next)
            s.running = next
            log.notice("\(k): \(show(old)) -> \(show(value))")
            return ConfigEdit(key: k.description, old: old, new: value, effect: effect)
        }
    }

    /// Pending changes: the saved file against the running document, leaf by leaf.
    package func differences() -> [ConfigDelta] {
        state.withLock { s in
            FieldRuntime.differences(s.saved, s.running.document).map { ConfigDelta(key: $0.0.description, saved: $0.1, running: $0.2) }
        }
    }

    /// Writes the running document to the site file: temp file, fsync, rename, fsync of the
    /// directory; the file it replaces is kept as `previousPath` (written the same way first).
    /// - Returns: the previous file's path, nil when there was no site file.
    package func save() throws(ConfigStoreError) -> String? {
        try state.withLock { s throws(ConfigStoreError) -> String? in
            if let by = s.replacedBy { throw .conflict(by) }
            try checkUnchangedOnDisk(s.saved)
            let previous = try write(s.running.document)
            s.saved = s.running.document
            log.notice("saved \(sitePath)" + (previous.map { ", previous kept as \($0)" } ?? ""))
            return previous
        }
    }

    /// Drops the pending changes: the running document goes back to the saved one, and what was
    /// applied live is undone.
    /// - Parameter requester: who asks; dropping an admin's pending change that made roles
    ///   stricter needs an admin too (`checkRoles`).
    /// - Returns: what was dropped.
    package func revert(by requester: CommandOrigin? = nil) throws(ConfigStoreError) -> [ConfigDelta] {
        try state.withLock { s throws(ConfigStoreError) -> [ConfigDelta] in
            if let by = s.replacedBy { throw .conflict(by) }
            let dropped = FieldRuntime.differences(s.saved, s.running.document).map { ConfigDelta(key: $0.0.description, saved: $0.1, running: $0.2) }
            guard !dropped.isEmpty else { return [] }
            let next = try check(s.saved)
            try ConfigStore.checkRoles(from: s.running.site, to: next.site, by: requester)
            applyLive(from: s.running, to: next)
            s.running = next
            log.notice("reverted \(dropped.count) pending change\(dropped.count == 1 ? "" : "s")")
            return dropped
        }
    }

    /// Replaces the site file with the factory one (validated first, so the gateway can start
    /// on it), keeping the current file as `previousPath`. The running gateway is not changed:
    /// the caller restarts it.
    /// - Throws: `.noFactoryFile` when there is none, `.invalid` when it does not validate.
    package func resetToFactory() throws(ConfigStoreError) -> String? {
        let contents: [UInt8]?
        do {
            contents = try DurableFile.read(factoryPath)
        } catch {
            throw .io(error)
        }
        guard let bytes = contents else { throw .noFactoryFile(factoryPath) }
        let document: JSONValue
        do {
            document = try JSONValue.parse(Data(bytes))
        } catch {
            throw .invalid([ConfigIssue(path: .root, message: "\(factoryPath): \(error)")])
        }
        return try state.withLock { s throws(ConfigStoreError) -> String? in
            let factory = try check(document)
            let previous = try write(factory.document)
            s.saved = factory.document
            log.notice("site file reset to the factory one (\(factoryPath))")
            return previous
        }
    }

    // MARK: - Inside the lock

    /// A key as typed, with array elements by name (`devices[main-pt]`) resolved in `document`.
    private func parse(_ key: String, in document: JSONValue) throws(ConfigStoreError) -> ConfigKey {
        let trimmed = String(key.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        guard let k = ConfigKey(parsing: try ConfigKey.resolvingNames(trimmed, in: document)) else { throw .badKey(key) }
        return k
    }

    func check(_ document: JSONValue) throws(ConfigStoreError) -> GatewayConfiguration {
        do {
            return try validate(document)
        } catch {
            throw .invalid(error.issues)
        }
    }

    func write(_ document: JSONValue) throws(ConfigStoreError) -> String? {
        do {
            var previous: String?
            if let old = try DurableFile.read(sitePath) {
                try DurableFile.replace(previousPath, with: old)
                previous = previousPath
            }
            try DurableFile.replace(sitePath, with: Array((document.serialized(pretty: true) + "\n").utf8))
            return previous
        } catch {
            throw .io(error)
        }
    }

    private func notFound(_ key: ConfigKey, in document: JSONValue) -> ConfigStoreError {
        var parent = key.path
        parent.components.removeLast()
        let siblings = document.keys().filter { k in k.components.count == key.components.count && Array(k.components.dropLast()) == parent.components }
        let wanted = key.description
        let close = siblings.map(\.description).filter { editDistance($0, wanted) <= 3 }
        return .notFound(key: wanted, suggestions: close)
    }
}

/// A change `ConfigStore.set` made, and when it takes effect.
package struct ConfigEdit: Sendable, Hashable {
    package var key: String
    package var old: JSONValue?
    package var new: JSONValue?
    package var effect: ConfigEffect
}

/// When a change takes effect.
package enum ConfigEffect: Sendable, Hashable {
    /// Applied to the running gateway (or to the next login or session).
    case immediate
    /// Stored; the gateway uses it after a restart, for this reason.
    case restartNeeded(String)
}

/// One key whose saved and running values differ.
package struct ConfigDelta: Sendable, Hashable {
    package var key: String
    /// nil: not in the saved file.
    package var saved: JSONValue?
    /// nil: removed from the running document.
    package var running: JSONValue?
}

/// What live changes act on: the running gateway.
package protocol LiveConfigTarget: AnyObject, Sendable {
    /// Polls `device` at unit `unit` from its next poll on; false when no running bus worker
    /// polls it.
    func readdress(device: String, unit: Int) -> Bool
    /// Rebuilds the device's app and its generic alarm rules from `device` (name, settings,
    /// alarms changed); the alarms they had raised are cleared and judged again.
    func reconfigure(device: DeviceConfig, index: Int, site: SiteDetails)
}

func show(_ v: JSONValue?) -> String { v.map { $0.serialized() } ?? "(unset)" }
