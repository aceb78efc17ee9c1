import FieldCore

/// One accepted `config set` (or password change): what changed and when it takes effect.
public struct ConfigChange: Hashable, Sendable {
    public enum Effect: Hashable, Sendable {
        /// Already applied to the running gateway.
        case immediate
        /// Stored, but takes effect only after `restart`; the reason says why.
        case restartNeeded(String)
    }

    public var key: String
    /// The value before (nil: the key was not set).
    public var old: JSONValue?
    /// The value after (nil: the key was removed).
    public var new: JSONValue?
    public var effect: Effect

    public init(key: String, old: JSONValue?, new: JSONValue?, effect: Effect) {
        (self.key, self.old, self.new, self.effect) = (key, old, new, effect)
    }
}

/// One key that differs between the running config and the saved file.
public struct ConfigDifference: Hashable, Sendable {
    public var key: String
    /// In the saved file (nil: not there).
    public var saved: JSONValue?
    /// In the running config (nil: removed).
    public var running: JSONValue?

    public init(key: String, saved: JSONValue?, running: JSONValue?) {
        (self.key, self.saved, self.running) = (key, saved, running)
    }
}

/// Where `config save` wrote.
public struct ConfigSaveResult: Hashable, Sendable {
    public var file: String
    /// The previous file, kept (e.g. `site.json.prev`); nil when there was none.
    public var previous: String?

    public init(file: String, previous: String?) {
        (self.file, self.previous) = (file, previous)
    }
}
