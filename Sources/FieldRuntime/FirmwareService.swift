import FieldCore
import FieldSystem
import FieldHAL
import FoundationEssentials
import Synchronization

/// ThingsBoard's firmware update for the gateway device (docs/install.md, "Firmware updates"):
/// reads the `fw_*` shared attributes, downloads the package in chunks (`v2/fw/request/<id>/
/// chunk/<n>` → `v2/fw/response/<id>/chunk/<n>`) into the state directory, resuming after a
/// restart or an outage, verifies its size, SHA-256 and architecture, installs it as slot B and
/// restarts into it (`FirmwareBoot`). The new image keeps itself only once healthy within the
/// window; `fw_state` tells the platform each step, `fw_error` why one failed.
///
/// File work runs on a thread of its own, never on the MQTT loop.
package final class FirmwareService: UplinkService {
    package struct Settings: Sendable {
        /// Bytes asked for per chunk.
        package var chunkSize = 64 * 1024
        /// The largest package accepted.
        package var maxSize = 64 * 1024 * 1024
        /// A chunk not answered within this is asked for again.
        package var chunkTimeout: Duration = .seconds(10)
        /// How long a new image has to prove healthy.
        package var window: Duration = .seconds(120)
        package init() {}
    }

    private struct Download {
        var offer: FirmwareOffer
        var requestID: Int
        var next: Int
        var received: Int
        var askedAt: Int64
    }

    private struct State {
        var link: UplinkLink?
        var download: Download?
        var pending: FirmwareOffer?
        var nextRequestID = 1
        var trial = false
    }

    private let slots: FirmwareSlots
    private let settings: Settings
    private let clock: any FieldClock
    private let blockers: @Sendable () -> [String]
    private let restart: @Sendable () -> Void
    private let machine: UInt16?
    private let watch: ConfigTrialWatch
    /// The running firmware: the installed image's title and version in slot B, else the package's.
    package let currentTitle: String
    package let currentVersion: String
    private let state: Mutex<State>
    private let jobs = JobThread(name: "firmware")
    private let log = Logger("firmware")

    /// - Parameters:
    ///   - blockers: what forbids starting an update now (active lift or fire alarms); empty when none.
    ///   - restart: asks the daemon to restart (into the new image).
    package init(stateDirectory: String, settings: Settings = Settings(), environment: [String: String], clock: any FieldClock = SystemClock(),
                blockers: @escaping @Sendable () -> [String], restart: @escaping @Sendable () -> Void) {
        slots = FirmwareSlots(stateDirectory: stateDirectory)
        slots.makeDirectory()
        self.settings = settings
        self.clock = clock
        self.blockers = blockers
        self.restart = restart
        let header = (try? FileDescriptor.open("/proc/self/exe", .readOnly)).flatMap { fd -> [UInt8]? in
            defer { try? fd.close() }
            return try? fd.read(upTo: 64)
        }
        machine = header.flatMap(ELFMachine.of)
        watch = ConfigTrialWatch(startedAt: monotonicMilliseconds(), window: settings.window, subject: "firmware")
        let inSlot = environment[FirmwareSlots.slotEnvironment] != nil
        let installed = inSlot ? slots.installed : nil
        currentTitle = installed?.title ?? "fieldgate"
        currentVersion = installed?.version ?? FieldgateVersion.string
        state = Mutex(State(trial: inSlot && slots.trialBoots != nil))
    }

    package func start() throws(WorkerThreadError) {
        try jobs.start()
    }

    package func stop() {
        jobs.stop()
    }

    // MARK: - UplinkService (on the MQTT thread)

    package func subscriptions(_ topics: UplinkTopics) -> [String] {
        [topics.gatewayAttributes, topics.prefix + "v1/devices/me/attributes/response/+", topics.prefix + "v2/fw/response/+/chunk/+"]
    }

    package func received(_ message: MQTTMessage, link: UplinkLink) -> Bool {
        let topics = link.topics
        let chunkHead = topics.prefix + "v2/fw/response/"
        if message.topic.hasPrefix(chunkHead) {
            let parts = message.topic.dropFirst(chunkHead.count).split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1] == "chunk", let id = Int(parts[0]), let n = Int(parts[2]) else { return true }
            let payload = message.payload
            jobs.submit { [self] in chunk(requestID: id, index: n, payload) }
            return true
        }
        guard message.topic == topics.gatewayAttributes || message.topic.hasPrefix(topics.prefix + "v1/devices/me/attributes/response/"),
              let doc = try? JSONValue.parse(Data(message.payload)) else { return false }
        // Without fw_* keys: another shared attribute, or (on a broker that echoes) the gateway's own.
        guard let offer = FirmwareOffer.read(doc) else { return true }
        jobs.submit { [self] in consider(offer) }
        return true
    }

    package func connected(link: UplinkLink) {
        state.withLock { $0.link = link }
        jobs.submit { [self] in
            var values: [String: JSONValue] = ["current_fw_title": .string(currentTitle), "current_fw_version": .string(currentVersion)]
            if let last = slots.lastOutcome, let s = last["state"]?.stringValue, !state.withLock({ $0.trial }) {
                values["fw_state"] = .string(s)
                if let e = last["error"]?.stringValue { values["fw_error"] = .string(e) }
            }
            telemetry(values)
            link.publishNow(topic: link.topics.prefix + "v1/devices/me/attributes/request/1",
                            payload: Array(#"{"sharedKeys": "fw_title,fw_version,fw_size,fw_checksum,fw_checksum_algorithm,fw_force"}"#.utf8))
            resume()
        }
    }

    private func telemetry(_ values: [String: JSONValue]) {
        guard let link = state.withLock({ $0.link }) else { return }
        link.post(topic: link.topics.gatewayTelemetry, payload: ["ts": .number(Double(clock.now().milliseconds)), "values": .object(values)])
    }

    private func report(_ fwState: String, error: String? = nil, version: String, checksum: String? = nil) {
        var v: [String: JSONValue] = ["fw_state": .string(fwState), "current_fw_title": .string(currentTitle), "current_fw_version": .string(currentVersion)]
        if let error { v["fw_error"] = .string(error) }
        telemetry(v)
        if fwState == "FAILED" || fwState == "UPDATED" {
            slots.writeOutcome(state: fwState, version: version, checksum: checksum, error: error, at: clock.now())
        }
        log.notice("firmware \(version): \(fwState)" + (error.map { ": \($0)" } ?? ""))
    }

    // MARK: - On the service's thread

    private func consider(_ read: Result<FirmwareOffer, FirmwareError>) {
        let offer: FirmwareOffer
        switch read {
        case .failure(let e): return report("FAILED", error: e.description, version: "?")
        case .success(let o): offer = o
        }
        if offer.version == currentVersion, offer.title == currentTitle { return }
        if let d = state.withLock({ $0.download }), d.offer == offer { return }
        // The same package failed already (the platform offers it again on every connection): a
        // new package, or the same one with fw_force, is tried again.
        if let last = slots.lastOutcome, last["state"] == "FAILED", last["version"] == .string(offer.version),
           last["checksum"] == .string(offer.checksum), !offer.force { return }
        if FirmwareVersion.compare(offer.version, currentVersion) <= 0, !offer.force {
            return report("FAILED", error: "firmware \(offer.version) is not newer than the running \(currentVersion): a downgrade needs fw_force", version: offer.version)
        }
        guard offer.size <= settings.maxSize else {
            return report("FAILED", error: "the package is \(offer.size) bytes, more than the \(settings.maxSize) allowed", version: offer.version)
        }
        if let space = try? FileSystem.volumeSpace(of: slots.directory), space.available < offer.size * 2 + 1_048_576 {
            return report("FAILED", error: "not enough free space in \(slots.directory) for \(offer.size) bytes twice", version: offer.version)
        }
        let blocked = blockers()
        guard blocked.isEmpty else {
            state.withLock { $0.pending = offer }
            log.notice("firmware \(offer.version) waits: \(blocked.joined(separator: ", "))")
            return
        }
        begin(offer, resume: false)
    }

    /// A download from where the file left it (after a restart), or from the start.
    private func begin(_ offer: FirmwareOffer, resume: Bool) {
        if !resume {
            try? FileSystem.remove(slots.download)
            do {
                try slots.writeJSON(slots.downloadOffer, offer.json)
            } catch {
                return report("FAILED", error: "cannot keep the download: \(error)", version: offer.version)
            }
        }
        let have = resume ? fileSize(slots.download) : 0
        // Whole chunks only: a chunk cut by the restart is asked for again.
        let whole = min(have / settings.chunkSize * settings.chunkSize, offer.size)
        if whole != have { try? FileSystem.truncate(slots.download, to: whole) }
        let id = state.withLock { s in
            defer { s.nextRequestID += 1 }
            s.download = Download(offer: offer, requestID: s.nextRequestID, next: whole / settings.chunkSize, received: whole, askedAt: 0)
            s.pending = nil
            return s.nextRequestID
        }
        log.notice("firmware \(offer.version): downloading \(offer.size) bytes" + (whole > 0 ? ", resuming at \(whole)" : ""))
        report("DOWNLOADING", version: offer.version)
        _ = id
        askNext()
    }

    private func resume() {
        guard state.withLock({ $0.download == nil }), FileSystem.exists(slots.downloadOffer),
              let offer = slots.readJSON(slots.downloadOffer).flatMap(FirmwareOffer.init(json:)) else {
            if state.withLock({ $0.download != nil }) { askNext() }
            return
        }
        // The kept offer was checked when it came, against this build's limit; a file edited or
        // left by another build since is not trusted past it.
        guard offer.size <= settings.maxSize else {
            return fail(offer, "the kept download (\(slots.downloadOffer)) is for \(offer.size) bytes, more than the \(settings.maxSize) allowed")
        }
        begin(offer, resume: true)
    }

    private func askNext() {
        let ask: (String, Int)? = state.withLock { s in
            guard var d = s.download, let link = s.link else { return nil }
            d.askedAt = monotonicMilliseconds()
            s.download = d
            return (link.topics.prefix + "v2/fw/request/\(d.requestID)/chunk/\(d.next)", min(settings.chunkSize, d.offer.size - d.received))
        }
        guard let (topic, size) = ask, let link = state.withLock({ $0.link }) else { return }
        if size <= 0 { return finish() }
        link.publishNow(topic: topic, payload: Array(String(settings.chunkSize).utf8))
    }

    private func chunk(requestID: Int, index: Int, _ payload: [UInt8]) {
        guard let d = state.withLock({ $0.download }), d.requestID == requestID, d.next == index else { return }
        let room = d.offer.size - d.received
        guard payload.count <= room, payload.count == min(settings.chunkSize, room) || payload.isEmpty else {
            return fail(d.offer, "chunk \(index) has \(payload.count) bytes, expected \(min(settings.chunkSize, room))")
        }
        if payload.isEmpty { return fail(d.offer, "the platform sent no bytes for chunk \(index) of \(d.offer.size) bytes") }
        do {
            let fd = try FileDescriptor.open(slots.download, .writeOnly, options: [.create, .append, .closeOnExec], permissions: 0o640)
            defer { try? fd.close() }
            try fd.writeAll(payload)
        } catch {
            return fail(d.offer, "cannot store chunk \(index): \(error)")
        }
        let done = state.withLock { s -> Bool in
            s.download?.next += 1
            s.download?.received += payload.count
            return (s.download?.received ?? 0) >= d.offer.size
        }
        if done { finish() } else { askNext() }
    }

    private func fail(_ offer: FirmwareOffer, _ why: String) {
        state.withLock { $0.download = nil }
        try? FileSystem.remove(slots.download)
        try? FileSystem.remove(slots.downloadOffer)
        report("FAILED", error: why, version: offer.version, checksum: offer.checksum)
    }

    private func finish() {
        guard let offer = state.withLock({ $0.download?.offer }) else { return }
        report("DOWNLOADED", version: offer.version)
        guard let bytes = try? DurableFile.read(slots.download), bytes.count == offer.size else {
            return fail(offer, "the download has \(fileSize(slots.download)) bytes, expected \(offer.size)")
        }
        let sum = SHA256.hex(of: bytes)
        guard sum == offer.checksum else { return fail(offer, "SHA-256 mismatch: got \(sum), expected \(offer.checksum)") }
        let image = ELFMachine.of(Array(bytes.prefix(64)))
        guard image != nil, image == machine else {
            return fail(offer, "wrong architecture: the package is \(ELFMachine.name(image)), this gateway runs \(ELFMachine.name(machine))")
        }
        report("VERIFIED", version: offer.version)
        state.withLock { $0.download = nil }
        do {
            try DurableFile.replace(slots.slotBinary, with: bytes, permissions: 0o750)
            try slots.writeJSON(slots.slotInfo, offer.json)
            try slots.writeJSON(slots.trial, ["boots": 0, "version": .string(offer.version)])
            try DurableFile.replace(slots.active, with: Array("b\n".utf8))
        } catch {
            try? FileSystem.remove(slots.active)
            return fail(offer, "cannot install: \(error)")
        }
        try? FileSystem.remove(slots.download)
        try? FileSystem.remove(slots.downloadOffer)
        report("UPDATING", version: offer.version)
        let restart = self.restart
        Task {
            try? await Task.sleep(for: .milliseconds(500))
            restart()
        }
    }

    private func fileSize(_ path: String) -> Int {
        (try? FileSystem.status(of: path).size) ?? 0
    }

    // MARK: - Once a second (the daemon's tick)

    /// Re-asks a chunk the platform did not answer, starts an update that waited for alarms to
    /// clear, and judges a new image on trial (`unmet`: what keeps the gateway from being healthy).
    package func tick(unmet: @escaping @Sendable () -> [String]) {
        jobs.submit { [self] in
            if let d = state.withLock({ $0.download }), d.askedAt > 0, monotonicMilliseconds() - d.askedAt > settings.chunkTimeout.milliseconds {
                log.notice("chunk \(d.next) not answered: asking again")
                askNext()
            }
            if let offer = state.withLock({ $0.pending }), blockers().isEmpty { begin(offer, resume: false) }
            guard state.withLock({ $0.trial }) else { return }
            switch watch.decide(now: monotonicMilliseconds(), unmet: unmet()) {
            case .waiting:
                return
            case .healthy:
                try? FileSystem.remove(slots.trial)
                state.withLock { $0.trial = false }
                report("UPDATED", version: currentVersion)
            case .rollBack(let reason):
                state.withLock { $0.trial = false }
                slots.deactivate(reason: reason, version: currentVersion, clock: clock)
                restart()
            }
        }
    }
}
