import FieldCore
import FieldDevices
import FoundationEssentials

/// The platform's side of the config store (docs/uplink.md, "Remote configuration"): a whole new
/// site document, checked against the hash the platform based it on, validated like the file,
/// written like `config save`. Console and platform go through the same lock, so neither
/// overwrites the other's change without being told.
extension ConfigStore {
    /// The SHA-256 of a site document in its canonical form (compact, keys sorted): the same
    /// configuration has the same hash whatever its file's layout.
    package static func hash(of document: JSONValue) -> String {
        SHA256.hex(of: Array(document.serialized().utf8))
    }

    /// The hash of the running document (pending console changes included).
    package var hash: String { ConfigStore.hash(of: running.document) }

    /// Replaces the site file with `document` for a restart on it.
    ///
    /// - Parameters:
    ///   - baseHash: the hash of the configuration the platform changed (from `getConfig` or the
    ///     `configHash` attribute); it must be the running one.
    ///   - by: who asked, for the refusal of later console edits.
    ///   - beforeWrite: runs inside the lock with the validated configuration and the document it
    ///     replaces, before the file is written (the caller keeps the previous one); a throw
    ///     stops the replacement.
    /// - Throws: `.conflict` when the console has unsaved changes, the base hash is not the
    ///   running one, or the file was changed outside; `.invalid` with every problem and its
    ///   JSON path; `.forbidden` when it lets a role do more and `uplink.rpcRole` is not admin
    ///   (`checkRoles`); `.io` when a file cannot be written.
    package func replaceFromPlatform(_ document: JSONValue, baseHash: String, by: String,
                                    beforeWrite: (GatewayConfiguration, JSONValue) throws(ConfigStoreError) -> Void) throws(ConfigStoreError) -> GatewayConfiguration {
        try state.withLock { s throws(ConfigStoreError) -> GatewayConfiguration in
            if let other = s.replacedBy { throw .conflict(other) }
            let pending = FieldRuntime.differences(s.saved, s.running.document).map { $0.0.description }
            if !pending.isEmpty {
                throw .conflict("the console has \(pending.count) unsaved change\(pending.count == 1 ? "" : "s") (\(pending.prefix(5).joined(separator: ", "))): "
                    + "save or revert them on the console first")
            }
            let current = ConfigStore.hash(of: s.running.document)
            guard baseHash == current else {
                throw .conflict("the configuration changed since \(baseHash.prefix(12)): it is now \(current.prefix(12)); read it again (getConfig) and redo the change")
            }
            let next = try check(document)
            // The platform acts with the running site's uplink.rpcRole.
            try ConfigStore.checkRoles(from: s.running.site, to: next.site,
                                       by: .platform(role: s.running.site.uplink?.rpcRole ?? .technician))
            try checkUnchangedOnDisk(s.saved)
            try beforeWrite(next, s.saved)
            _ = try write(document)
            s.saved = document
            s.replacedBy = "\(by) replaced the configuration (hash \(ConfigStore.hash(of: document).prefix(12))); the gateway restarts on it: edit again after the restart"
            log.notice("site file replaced by \(by): \(current.prefix(12)) -> \(ConfigStore.hash(of: document).prefix(12))")
            return next
        }
    }

    /// Writes `document` over the site file without validation (a rollback to a file the
    /// gateway ran on), and refuses console edits until the restart.
    package func restore(_ document: JSONValue, by: String) throws(ConfigStoreError) {
        try state.withLock { s throws(ConfigStoreError) in
            _ = try write(document)
            s.saved = document
            s.replacedBy = "\(by) restored the previous configuration; the gateway restarts on it: edit again after the restart"
        }
    }

    /// Refuses to write over a site file that someone changed since the gateway read or wrote
    /// it (a platform push before its restart, an editor on the board).
    func checkUnchangedOnDisk(_ saved: JSONValue) throws(ConfigStoreError) {
        let bytes: [UInt8]?
        do {
            bytes = try DurableFile.read(sitePath)
        } catch {
            throw .io(error)
        }
        guard let bytes else { return }
        let onDisk = try? JSONValue.parse(Data(bytes))
        guard onDisk != saved else { return }
        throw .conflict("\(sitePath) was changed outside the console since the gateway read it: not written over; "
            + "`config revert` drops the console's changes, a restart takes the file")
    }
}
