import FieldCore
import FieldDevices
import FieldRuntime

/// What the console needs from the running gateway. The runtime implements it; tests use an
/// in-memory double.
///
/// Threading: every method is called on a console session's own thread (a thread the runtime
/// owns for the serial tty, the pty or one Unix-socket connection), never on the Swift
/// concurrency pool, and several sessions may call at once. A method may block that thread for as
/// long as the work takes (a Modbus read waits for its turn on the bus worker and for the reply),
/// but should give up after the bus's own timeouts and throw `BackendError.deviceError`.
///
/// Roles are checked by the console before a method is called. Auditing of console changes is
/// done by the console: after a change succeeds it calls `recordAudit(_:)` once with who, when,
/// what, old and new. The backend must not audit calls that come through this protocol a second
/// time (changes from the platform's RPC are the runtime's to audit).
package protocol ConsoleBackend: AnyObject, Sendable {
    // MARK: Users

    /// The console users of the site config (name, role, crypt(3) hash), read at every login.
    func consoleUsers() -> [ConsoleUser]

    /// Replaces `user`'s password hash in the site config (a pending change like `config set`;
    /// the console runs `configSave` afterwards when the user asks).
    func setPasswordHash(user: String, hash: String, by actor: String) throws(BackendError) -> ConfigChange

    // MARK: At a glance

    /// Gateway, buses, uplink, outbox, alarms and maintenance at a glance (`status`).
    func status() -> GatewayStatus

    /// Firmware, board and library versions (`version`).
    func versionInfo() -> VersionInfo

    /// Every device of the site, in site-file order (`devices`).
    func devices() -> [DeviceSummary]

    /// One device with all its points and the maintenance actions its profile defines (`show`).
    /// - Throws: `.notFound(kind: "device", …)` with close names as suggestions.
    func device(_ id: String) throws(BackendError) -> DeviceDetail

    /// Every point of the site (for tab completion of `device.point`).
    func pointRefs() -> [PointRef]

    /// The latest reading of one point (`read`, `watch`).
    func point(_ ref: PointRef) throws(BackendError) -> PointSnapshot

    /// The stored history of one point from `since` until now, oldest first (`trend`): buckets of
    /// readings with each bucket's minimum, maximum, mean and number of readings, so the worst
    /// moment survives however coarsely the console draws it.
    func history(_ ref: PointRef, since: Timestamp) throws(BackendError) -> [TrendBucket]

    /// Active alarms and cleared-but-unacknowledged ones, most severe first (`alarms`).
    func alarms() -> [AlarmRecord]

    /// Acknowledges an alarm (`ack`); the record after acknowledgement.
    /// - Throws: `.notFound(kind: "alarm", …)`, or `.rejected` when it was already acknowledged.
    func acknowledge(_ id: AlarmID, by actor: String) throws(BackendError) -> AlarmRecord

    /// The last `count` lines of the gateway's log, oldest first (`log`).
    func recentLog(_ count: Int) -> [LogLine]

    // MARK: Site config

    /// Every settable key, as the JSON paths config errors print (`devices[3].address`), for
    /// tab completion and `config get` of a subtree.
    func configKeys() -> [String]

    /// The value at `key` in the running config, including pending (unsaved) changes.
    /// - Throws: `.notFound(kind: "config key", …)`.
    func configGet(_ key: String) throws(BackendError) -> JSONValue

    /// Sets `key` to `value`, validated exactly like the file. Applied to the running gateway at
    /// once where possible; the change says when a restart is needed. Pending until `configSave`.
    /// - Throws: `.invalid(issues)` naming the JSON path of every problem, `.notFound` for a key
    ///   that does not exist.
    func configSet(_ key: String, to value: JSONValue, by actor: String) throws(BackendError) -> ConfigChange

    /// Every setting device `id`'s app applies, defaults included, under the site file's keys
    /// (`DeviceApp.settingsInForce`); empty when the device runs no app.
    func settingsInForce(device id: String) -> [String: JSONValue]

    /// Pending changes: the running config against the saved file.
    func configDiff() -> [ConfigDifference]

    /// Writes the running config to the site file atomically (temp file, fsync, rename, fsync of
    /// the directory), keeping the previous file.
    func configSave(by actor: String) throws(BackendError) -> ConfigSaveResult

    /// Drops the pending changes and goes back to the saved file; returns what was dropped.
    func configRevert(by actor: String) throws(BackendError) -> [ConfigDifference]

    // MARK: Changes: the platform's command path

    /// Runs one command through the gateway's engine, exactly as a platform RPC runs (DESIGN
    /// rule 7): raw Modbus (`readRegisters`, `writeRegisters`, on the bus's worker between polls),
    /// a command the device's profile declares (`deviceCommand`), an app's command (`app`: `lamp`,
    /// …), a point write. Returns once the command has taken effect on the device, with its
    /// answer (the registers read, the app's reply).
    /// - Throws: `.rejected` when the command or its arguments are refused (nothing changed),
    ///   `.deviceError` with the device's error when the device did not take it.
    func execute(_ command: GatewayCommand, by actor: String) throws(BackendError) -> JSONValue

    /// Probes unit ids `units` on `bus` one at a time, interleaved with polling.
    ///
    /// `progress` is called on the calling thread after every probe (so the console can print
    /// and check for a key press); returning `.stop` ends the scan early. A unit "answers" when it
    /// sends any valid reply, an exception reply included.
    /// - Returns: every unit that answered, in address order.
    func modbusScan(bus: String, units: ClosedRange<Int>, progress: (ScanProgress) -> ScanDecision) throws(BackendError) -> [ScanHit]

    /// The commands a device's profile declares (`set-address`, `set-baud`, `zero`,
    /// `background-calibration`, …) with their parameters' types, units and ranges: the schema
    /// `modbus calibrate DEVICE` lists and the console parses their values by.
    /// - Throws: `.notFound(kind: "device", …)`.
    func deviceCommands(_ device: String) throws(BackendError) -> [CommandSpec]

    /// The commands a device's app declares (`fan`, `silence`, `set-threshold`, `set-floor`, …)
    /// in the same schema: what `app DEVICE` lists, completes and parses by. Empty when the
    /// device runs no app.
    /// - Throws: `.notFound(kind: "device", …)`.
    func appCommands(_ device: String) throws(BackendError) -> [CommandSpec]

    // MARK: GPIO and apps

    /// The board's named GPIO lines (for `gpio get` completion and listings).
    func gpioLines() -> [GPIOLineInfo]

    /// The current state of a named board line.
    func gpioGet(_ line: String) throws(BackendError) -> GPIOLineState

    /// Drives an output line; with `revertAfter` the runtime puts it back to what the apps want
    /// (or its safe state) by itself when the time is up.
    func gpioSet(_ line: String, active: Bool, revertAfter: Duration?, by actor: String) throws(BackendError) -> GPIOLineState

    /// Lift states; `device` nil means every lift of the site.
    func liftStatus(_ device: String?) throws(BackendError) -> [LiftStatus]

    /// Starts or ends a maintenance window (door alarms suppressed; the platform is told).
    /// - Returns: the windows open after the change.
    func maintenance(_ action: MaintenanceAction, by actor: String) throws(BackendError) -> [MaintenanceWindow]

    // MARK: System

    /// The wall clock and where it comes from (`date`).
    func systemTime() -> SystemTime

    /// Sets the wall clock (boards without RTC).
    func setSystemTime(_ time: Timestamp, by actor: String) throws(BackendError)

    /// Sets `key` to the JSON value in `file` (relative paths from the site file's directory),
    /// exactly like `configSet`.
    /// - Returns: the change, and the file's full path.
    func configLoad(_ key: String, file: String, by actor: String) throws(BackendError) -> (change: ConfigChange, path: String)

    /// Why `date set` must not run here (the simulator board: the clock is the development
    /// machine's), or nil on a real board.
    func clockSetRefusal() -> String?

    /// Restarts the gateway process (outputs go to their safe state first). Returns once the
    /// restart is scheduled; the session may be cut a moment later.
    func restart(by actor: String) throws(BackendError)

    /// Erases the site config back to the factory one and restarts.
    func factoryReset(by actor: String) throws(BackendError)

    // MARK: Audit

    /// Stores one audit entry (the runtime keeps them in SQLite).
    func recordAudit(_ entry: AuditEntry)

    /// The newest `limit` audit entries, newest first.
    func auditLog(limit: Int) -> [AuditEntry]
}

extension ConsoleBackend {
    package func clockSetRefusal() -> String? { nil }

    package func settingsInForce(device id: String) -> [String: JSONValue] { [:] }

    package func configLoad(_ key: String, file: String, by actor: String) throws(BackendError) -> (change: ConfigChange, path: String) {
        throw .unavailable("this console cannot read files")
    }
}
