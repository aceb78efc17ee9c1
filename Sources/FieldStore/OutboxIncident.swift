/// Something that happened to the outbox's storage that the platform must learn of (the
/// gateway raises an alarm for it).
package struct OutboxIncident: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable {
        /// The file was damaged and replaced by a fresh one with what could be salvaged.
        case recovered = "outbox-recovered"
    }

    package var kind: Kind
    package var message: String
}
