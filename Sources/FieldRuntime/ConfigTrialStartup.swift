import FieldCore
import FieldHAL
import FoundationEssentials

/// What a start does about a configuration on trial, before the site file is read: counts the
/// start, and puts the previous file back when the gateway keeps stopping on the new one (it
/// crashed, or the watchdog or the service manager killed it, before it proved healthy). This
/// is the watcher that does not depend on the new configuration getting far enough to watch.
package enum ConfigTrialStartup {
    /// Starts on a new configuration before it is rolled back as a crash loop.
    package static let maxStarts = 3

    /// Counts this start against the trial. Returns the trial to watch, or nil when there is
    /// none or it was just rolled back.
    package static func begin(files: ConfigTrialFiles, sitePath: String, clock: any FieldClock = SystemClock()) -> ConfigTrialRecord? {
        guard var trial = files.readTrial() else { return nil }
        trial.boots += 1
        do {
            try files.write(trial)
        } catch {
            Logger("remote-config").error("cannot count the start on the configuration on trial: \(error)")
        }
        guard trial.boots > maxStarts else { return trial }
        rollBack(files: files, sitePath: sitePath, clock: clock,
                 reason: "the gateway stopped \(trial.boots - 1) times on the new configuration before proving healthy")
        return nil
    }

    /// Writes the previous site file back (the new one did not load, or crashed); false when
    /// there is none to write.
    @discardableResult
    package static func rollBack(files: ConfigTrialFiles, sitePath: String, clock: any FieldClock = SystemClock(), reason: String) -> Bool {
        let log = Logger("remote-config")
        files.removeTrial()
        do {
            guard let previous = try DurableFile.read(files.previous) else {
                log.error("no previous configuration to roll back to (\(files.previous)): staying on the new one")
                return false
            }
            try DurableFile.replace(sitePath, with: previous)
            let hash = (try? JSONValue.parse(Data(previous))).map(ConfigStore.hash(of:)) ?? ""
            try files.write(ConfigOutcome(state: .rolledBack, hash: hash, reason: reason, time: clock.now()))
            log.warning("configuration rolled back to \(hash.prefix(12)): \(reason)")
            return true
        } catch {
            log.error("cannot roll back the configuration: \(error)")
            return false
        }
    }
}
