import FieldCore
import FieldDevices
import FieldRuntime

extension GatewayBackend {
    package func configKeys() -> [String] { store.keys() }

    package func configGet(_ key: String) throws(BackendError) -> JSONValue {
        do {
            return redacted(try store.value(at: key), at: key)
        } catch {
            throw BackendError(error)
        }
    }

    /// `null` removes the key, so an optional setting goes back to its default.
    package func configSet(_ key: String, to value: JSONValue, by actor: String) throws(BackendError) -> ConfigChange {
        do {
            let edit = try store.set(key, to: value == .null ? nil : value, by: origin(actor))
            return ConfigChange(key: edit.key, old: edit.old.map { redacted($0, at: edit.key) }, new: edit.new.map { redacted($0, at: edit.key) },
                                effect: ConfigChange.Effect(edit.effect))
        } catch {
            throw BackendError(error)
        }
    }

    package func configLoad(_ key: String, file: String, by actor: String) throws(BackendError) -> (change: ConfigChange, path: String) {
        let site = store.sitePath
        let directory = site.contains("/") ? String(site[..<site.lastIndex(of: "/")!]) : "."
        let path = file.hasPrefix("/") ? file : directory + "/" + file
        let value: JSONValue
        do {
            value = try loadJSONDocument(path: path)
        } catch let e as ConfigError {
            throw .rejected(e.issues.map { "\(path): \($0.message)" }.joined(separator: "\n"))
        } catch {
            throw .rejected("\(path): \(error)")
        }
        return (try configSet(key, to: value, by: actor), path)
    }

    package func settingsInForce(device id: String) -> [String: JSONValue] {
        gateway.engine.settingsInForce(id) ?? [:]
    }

    package func configDiff() -> [ConfigDifference] {
        store.differences().map(difference)
    }

    private func difference(_ d: ConfigDelta) -> ConfigDifference {
        ConfigDifference(key: d.key, saved: d.saved.map { redacted($0, at: d.key) }, running: d.running.map { redacted($0, at: d.key) })
    }

    package func configSave(by actor: String) throws(BackendError) -> ConfigSaveResult {
        do {
            let previous = try store.save()
            return ConfigSaveResult(file: store.sitePath, previous: previous)
        } catch {
            throw BackendError(error)
        }
    }

    package func configRevert(by actor: String) throws(BackendError) -> [ConfigDifference] {
        do {
            return try store.revert(by: origin(actor)).map(difference)
        } catch {
            throw BackendError(error)
        }
    }
}

/// What the console shows of a value: password hashes are replaced by a marker, so nobody can
/// copy a user's hash off the screen (or out of the audit trail) to crack it elsewhere, and the
/// broker password in the uplink URL by `***`.
func redacted(_ value: JSONValue, at key: String) -> JSONValue {
    let marker: JSONValue = "(crypt hash)"
    if key.hasSuffix(".hash") { return value == .null ? value : marker }
    // The broker's password may sit in the uplink URL (mqtt://user:pass@host): shown as ***.
    if key == "uplink.url", let url = value.stringValue, let scheme = url.firstRange(of: "://"),
       let at = url[scheme.upperBound...].lastIndex(of: "@"),
       let colon = url[scheme.upperBound..<at].firstIndex(of: ":") {
        return .string(String(url[..<url.index(after: colon)]) + "***" + String(url[at...]))
    }
    switch value {
    case .object(let o):
        return .object(Dictionary(uniqueKeysWithValues: o.map { k, v in (k, redacted(v, at: key + "." + k)) }))
    case .array(let a):
        return .array(a.enumerated().map { i, v in redacted(v, at: key + "[\(i)]") })
    default:
        return value
    }
}

extension ConfigChange.Effect {
    init(_ e: ConfigEffect) {
        switch e {
        case .immediate: self = .immediate
        case .restartNeeded(let why): self = .restartNeeded(why)
        }
    }
}
