import FieldCore
import FieldSystem
import FieldHAL
import FoundationEssentials

/// The firmware's files in the state directory (docs/install.md, "Firmware updates"): the
/// download under way, the installed image (slot B; slot A is the packaged `/usr/bin/fieldgate`),
/// the trial of a new image and the last outcome.
package struct FirmwareSlots: Sendable {
    package let directory: String

    package init(stateDirectory: String) { directory = stateDirectory + "/firmware" }

    package var download: String { directory + "/download.part" }
    package var downloadOffer: String { directory + "/download.json" }
    package var slotBinary: String { directory + "/b/fieldgate" }
    package var slotInfo: String { directory + "/b/slot.json" }
    /// Present: the launcher runs slot B.
    package var active: String { directory + "/active" }
    package var trial: String { directory + "/trial.json" }
    package var status: String { directory + "/status.json" }

    /// The environment variable the launcher sets for slot B's process: that it runs from the slot.
    package static let slotEnvironment = "FIELDGATE_SLOT"

    package func makeDirectory() {
        try? FileSystem.makeDirectory(directory, permissions: 0o750)
        try? FileSystem.makeDirectory(directory + "/b", permissions: 0o750)
    }

    func readJSON(_ path: String) -> JSONValue? {
        guard let bytes = try? DurableFile.read(path) else { return nil }
        return try? JSONValue.parse(Data(bytes))
    }

    func writeJSON(_ path: String, _ value: JSONValue) throws(SystemError) {
        try DurableFile.replace(path, with: Array(value.serialized().utf8))
    }

    /// The installed image's offer (title, version, checksum).
    package var installed: FirmwareOffer? { readJSON(slotInfo).flatMap(FirmwareOffer.init(json:)) }

    /// The last outcome: `{"state": "UPDATED"|"FAILED", "version", "error"?, "ts"}`.
    package var lastOutcome: JSONValue? { readJSON(status) }

    package func writeOutcome(state: String, version: String, checksum: String? = nil, error: String?, at time: Timestamp) {
        var o: [String: JSONValue] = ["state": .string(state), "version": .string(version), "ts": .number(Double(time.milliseconds))]
        if let checksum { o["checksum"] = .string(checksum) }
        if let error { o["error"] = .string(error) }
        do {
            try writeJSON(status, .object(o))
        } catch {
            Logger("firmware").error("cannot keep the update's outcome: \(error)")
        }
    }

    /// Boots of the image on trial so far, nil when none is on trial.
    package var trialBoots: Int? { readJSON(trial)?["boots"]?.numberValue.map { Int(min(max($0, 0), 1e6)) } }

    /// Stops running slot B: the launcher runs the packaged binary from the next start on.
    package func deactivate(reason: String, version: String, clock: any FieldClock) {
        let checksum = installed?.checksum
        try? FileSystem.remove(active)
        try? FileSystem.remove(trial)
        writeOutcome(state: "FAILED", version: version, checksum: checksum, error: reason, at: clock.now())
        Logger("firmware").warning("firmware \(version) given up, the packaged one comes back: \(reason)")
    }
}

/// The launcher: the first thing `fieldgate run` does. The packaged binary (slot A) `exec`s the
/// installed image (slot B) when one is active, counting the boots of an image on trial first,
/// so an image that exits at once, or never gets far enough to watch itself, is given up at
/// its fourth start by a binary that is known to work. Slot B's process skips this.
package enum FirmwareBoot {
    package static let maxBoots = 3

    /// Returns only when this process should run the gateway itself (no active slot, this is
    /// slot B, the image on trial was given up, or the exec failed).
    package static func launch(stateDirectory: String, arguments: [String], environment: [String: String],
                              clock: any FieldClock = SystemClock()) {
        guard environment[FirmwareSlots.slotEnvironment] == nil else { return }
        let slots = FirmwareSlots(stateDirectory: stateDirectory)
        guard FileSystem.exists(slots.active) else { return }
        let version = slots.installed?.version ?? "?"
        // A package installed since (apt upgrade) that is as new as slot B wins, unless slot B
        // was a forced downgrade.
        if let installed = slots.installed, !installed.force, FirmwareVersion.compare(installed.version, FieldgateVersion.string) <= 0 {
            try? FileSystem.remove(slots.active)
            try? FileSystem.remove(slots.trial)
            Logger("firmware").notice("the package's \(FieldgateVersion.string) is as new as the installed image's \(installed.version): running the package")
            return
        }
        if let boots = slots.trialBoots {
            guard boots < maxBoots else {
                slots.deactivate(reason: "the new firmware stopped \(boots) times before proving healthy", version: version, clock: clock)
                return
            }
            do {
                try slots.writeJSON(slots.trial, ["boots": .number(Double(boots + 1)), "version": .string(version)])
            } catch {
                slots.deactivate(reason: "cannot count the new firmware's boots: \(error)", version: version, clock: clock)
                return
            }
        }
        let reason: String
        do throws(SystemError) {
            var slotEnvironment = environment
            slotEnvironment[FirmwareSlots.slotEnvironment] = "b"
            try CurrentProcess.replace(with: slots.slotBinary, arguments: [slots.slotBinary] + arguments.dropFirst(), environment: slotEnvironment)
        } catch {
            reason = "cannot start the new firmware: \(error.message)"
        }
        slots.deactivate(reason: reason, version: version, clock: clock)
    }
}
