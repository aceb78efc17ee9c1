import FieldCore

/// One accepted `config set` (or password change): what changed and when it takes effect.
package struct ConfigChange: Hashable, Sendable {
    package enum Effect: Hashable, Sendable {
        /// Already applied to the running gateway.
        case immediate
        /// Stored, but takes effect only after `restart`; the reason says why.
        case restartNeeded(String)
    }

    package var key: String
    /// The value before (nil: the key was not set).
    package var old: JSONValue?
    /// The value after (nil: the key was removed).
    package var new: JSONValue?
    package var effect: Effect

    package init(key: String, old: JSONValue?, new: JSONValue?, effect: Effect) {
        (self.key, self.old, self.new, self.effect) = (key, old, new, effect)
    }
}

/// One key that differs between the running config and the saved file.
package struct ConfigDifference: Hashable, Sendable {
    package var key: String
    /// In the saved file (nil: not there).
    package var saved: JSONValue?
    /// In the running config (nil: removed).
    package var running: JSONValue?

    package init(key: String, saved: JSONValue?, running: JSONValue?) {
        (self.key, self.saved, self.running) = (key, saved, running)
    }
}

/// Where `config save` wrote.
package struct ConfigSaveResult: Hashable, Sendable {
    package var file: String
    /// The previous file, kept (e.g. `site.json.prev`); nil when there was none.
    package var previous: String?

    package init(file: String, previous: String?) {
        (self.file, self.previous) = (file, previous)
    }
}
