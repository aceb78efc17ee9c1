import FieldCore
import FieldRuntime

extension GatewayBackend {
    public func configKeys() -> [String] { store.keys() }

    public func configGet(_ key: String) throws(BackendError) -> JSONValue {
        do {
            return try store.value(at: key)
        } catch {
            throw BackendError(error)
        }
    }

    /// `null` removes the key, so an optional setting goes back to its default.
    public func configSet(_ key: String, to value: JSONValue, by actor: String) throws(BackendError) -> ConfigChange {
        do {
            let edit = try store.set(key, to: value == .null ? nil : value)
            return ConfigChange(key: edit.key, old: edit.old, new: edit.new, effect: ConfigChange.Effect(edit.effect))
        } catch {
            throw BackendError(error)
        }
    }

    public func configDiff() -> [ConfigDifference] {
        store.differences().map { ConfigDifference(key: $0.key, saved: $0.saved, running: $0.running) }
    }

    public func configSave(by actor: String) throws(BackendError) -> ConfigSaveResult {
        do {
            let previous = try store.save()
            return ConfigSaveResult(file: store.sitePath, previous: previous)
        } catch {
            throw BackendError(error)
        }
    }

    public func configRevert(by actor: String) throws(BackendError) -> [ConfigDifference] {
        do {
            return try store.revert().map { ConfigDifference(key: $0.key, saved: $0.saved, running: $0.running) }
        } catch {
            throw BackendError(error)
        }
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
