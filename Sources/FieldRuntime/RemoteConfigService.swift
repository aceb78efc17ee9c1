import FieldCore
import FieldHAL
import FoundationEssentials
import Synchronization

/// Remote configuration (docs/uplink.md, "Remote configuration"): the platform reads the site
/// document and its hash (`getConfig`), pushes a new one (`setConfig`, validated like
/// `check-config`, applied by a restart) and asks for the previous one back (`rollbackConfig`).
/// A push runs on trial: `tick` rolls it back by itself when the gateway is not healthy within
/// the window, and a crash loop is caught at start (`ConfigTrialStartup`).
///
/// File work runs on a thread of its own, never on the MQTT loop.
package final class RemoteConfigService: UplinkService {
    package static let methods: Set<String> = ["getConfig", "setConfig", "rollbackConfig"]
    /// A refused push's answer names this many errors in its message, and lists this many.
    static let maxErrorsInMessage = 10
    static let maxListedErrors = 100

    private struct State {
        var link: UplinkLink?
        var trial: ConfigTrialRecord?
        var outcome: ConfigOutcome?
        var busy = false
    }

    private let store: ConfigStore
    private let files: ConfigTrialFiles
    private let audit: AuditLog?
    private let clock: any FieldClock
    private let restart: @Sendable () -> Void
    private let watch: ConfigTrialWatch
    private let state: Mutex<State>
    private let jobs = JobThread(name: "remote-config")
    private let log = Logger("remote-config")

    /// - Parameters:
    ///   - trial: the push this start runs on trial, from `ConfigTrialStartup`.
    ///   - window: how long after this start the gateway has to prove healthy on it.
    ///   - restart: asks the daemon to restart (it exits; its supervisor starts it again).
    package init(store: ConfigStore, files: ConfigTrialFiles, audit: AuditLog?, trial: ConfigTrialRecord?, window: Duration,
                clock: any FieldClock = SystemClock(), restart: @escaping @Sendable () -> Void) {
        self.store = store
        self.files = files
        self.audit = audit
        self.clock = clock
        self.restart = restart
        watch = ConfigTrialWatch(startedAt: monotonicMilliseconds(), window: window)
        var outcome = files.readStatus()
        if let trial { outcome = ConfigOutcome(state: .trial, hash: trial.hash, time: trial.requestedAt) }
        state = Mutex(State(trial: trial, outcome: outcome))
    }

    /// Starts the thread that does the file work.
    package func start() throws(WorkerThreadError) {
        try jobs.start()
    }

    package func stop() {
        jobs.stop()
    }

    /// The push on trial, if any.
    package var trial: ConfigTrialRecord? { state.withLock { $0.trial } }

    // MARK: - UplinkService (on the MQTT thread)

    package func subscriptions(_ topics: UplinkTopics) -> [String] { [] }

    package func received(_ message: MQTTMessage, link: UplinkLink) -> Bool {
        guard let request = UplinkServiceRequest(message, topics: link.topics, methods: RemoteConfigService.methods) else { return false }
        if !jobs.submit({ [self] in handle(request, link: link) }) {
            request.failure("unavailable", "the gateway is stopping", link: link)
        }
        return true
    }

    package func connected(link: UplinkLink) {
        state.withLock { $0.link = link }
        link.updateGatewayAttributes(attributes())
    }

    private func attributes() -> [String: JSONValue] {
        var a: [String: JSONValue] = ["configHash": .string(store.hash)]
        if let o = state.withLock({ $0.outcome }) { a.merge(o.attributes) { _, new in new } }
        return a
    }

    private func report(_ outcome: ConfigOutcome) {
        do {
            try files.write(outcome)
        } catch {
            log.error("cannot keep the outcome \(outcome.state.rawValue): \(error)")
        }
        let link = state.withLock { s in
            s.outcome = outcome
            return s.link
        }
        link?.updateGatewayAttributes(attributes())
    }

    // MARK: - Requests (on the service's thread)

    private func handle(_ request: UplinkServiceRequest, link: UplinkLink) {
        switch request.method {
        case "getConfig":
            let running = store.running.document
            request.success(["hash": .string(ConfigStore.hash(of: running)), "config": running,
                             "state": .string(state.withLock { $0.outcome?.state.rawValue } ?? "applied")], link: link)
        case "setConfig":
            push(request, link: link)
        default:
            rollBack(request, link: link)
        }
    }

    private func push(_ request: UplinkServiceRequest, link: UplinkLink) {
        guard case .object(let params)? = request.params else {
            return request.failure("invalid-argument", "params: expected {\"config\": {…}, \"baseHash\": \"…\"}", link: link)
        }
        var document = params["config"]
        if case .string(let text)? = document {
            do {
                document = try JSONValue.parse(text)
            } catch {
                return request.failure("invalid-argument", "params.config: \(error)", link: link)
            }
        }
        guard let document, case .object = document else {
            return request.failure("invalid-argument", "params.config: expected the site document (an object)", link: link)
        }
        guard let baseHash = params["baseHash"]?.stringValue else {
            return request.failure("invalid-argument", "params.baseHash: required: the configHash the change was made against", link: link)
        }
        if let trial = state.withLock({ $0.trial }) {
            return request.failure("unavailable", "the configuration \(trial.hash.prefix(12)) pushed by \(trial.by) is still on trial: try again once it is applied or rolled back", link: link)
        }
        let now = clock.now()
        let newHash = ConfigStore.hash(of: document)
        do throws(ConfigStoreError) {
            _ = try store.replaceFromPlatform(document, baseHash: baseHash, by: "the platform") { _, previous throws(ConfigStoreError) in
                do throws(SystemError) {
                    try DurableFile.replace(files.previous, with: Array((previous.serialized(pretty: true) + "\n").utf8))
                    try files.write(ConfigTrialRecord(hash: newHash, previousHash: baseHash, by: "platform", requestedAt: now))
                } catch {
                    throw .io(error)
                }
            }
        } catch {
            switch error {
            case .invalid(let issues):
                log.notice("refused a pushed configuration: \(issues.count) error\(issues.count == 1 ? "" : "s")")
                // A hostile document can have an error per key: the answer stays one readable
                // MQTT message (the first errors in the text, the first hundred listed).
                let list: [JSONValue] = issues.prefix(Self.maxListedErrors).map { ["path": .string($0.path.description), "message": .string($0.message)] }
                var text = "the configuration has \(issues.count) error\(issues.count == 1 ? "" : "s"): "
                text += issues.prefix(Self.maxErrorsInMessage).map(\.description).joined(separator: "; ")
                if issues.count > Self.maxErrorsInMessage { text += "; … and \(issues.count - Self.maxErrorsInMessage) more" }
                var extra: [String: JSONValue] = ["errors": .array(list)]
                if issues.count > list.count { extra["errorsOmitted"] = .number(Double(issues.count - list.count)) }
                return request.failure("invalid-argument", text, extra: extra, link: link)
            case .conflict(let what):
                return request.failure("conflict", what, link: link)
            case .forbidden(let what):
                log.notice("refused a pushed configuration: \(what)")
                return request.failure("forbidden", what, link: link)
            default:
                return request.failure("unavailable", "\(error)", link: link)
            }
        }
        record(action: "config push", old: baseHash, new: newHash)
        report(ConfigOutcome(state: .trial, hash: newHash, time: now))
        request.success(["hash": .string(newHash), "previousHash": .string(baseHash), "applying": "restart",
                         "healthWindow": .number(Double(watch.window.milliseconds / 1000))], link: link)
        log.notice("configuration \(newHash.prefix(12)) pushed by the platform: restarting on it, on trial for \(watch.window.milliseconds / 1000) s")
        restartSoon()
    }

    private func rollBack(_ request: UplinkServiceRequest, link: UplinkLink) {
        guard FileSystem.exists(files.previous) else {
            return request.failure("not-found", "no previous configuration is kept (none was pushed on this gateway)", link: link)
        }
        do {
            let restored = try rollBack(reason: "asked for by the platform")
            request.success(["hash": .string(restored), "applying": "restart"], link: link)
            restartSoon()
        } catch {
            request.failure("unavailable", "cannot restore the previous configuration: \(error)", link: link)
        }
    }

    /// Writes the previous site file back and reports it; the caller restarts.
    /// - Returns: the restored configuration's hash.
    private func rollBack(reason: String) throws(ConfigStoreError) -> String {
        let contents: [UInt8]?
        do {
            contents = try DurableFile.read(files.previous)
        } catch {
            throw .io(error)
        }
        guard let bytes = contents else { throw .conflict("no previous configuration is kept (\(files.previous))") }
        let document: JSONValue
        do {
            document = try JSONValue.parse(Data(bytes))
        } catch {
            throw .invalid([ConfigIssue(path: .root, message: "\(files.previous): \(error)")])
        }
        let current = store.hash
        try store.restore(document, by: "the platform")
        let restored = ConfigStore.hash(of: document)
        files.removeTrial()
        state.withLock { $0.trial = nil }
        record(action: "config rollback", old: current, new: restored)
        report(ConfigOutcome(state: .rolledBack, hash: restored, reason: reason, time: clock.now()))
        log.warning("configuration \(current.prefix(12)) rolled back to \(restored.prefix(12)): \(reason)")
        return restored
    }

    /// Lets the answer reach the outbox's file and, with luck, the broker before the restart
    /// (it is sent after the restart otherwise).
    private func restartSoon() {
        let restart = self.restart
        Task {
            try? await Task.sleep(for: .milliseconds(500))
            restart()
        }
    }

    private func record(action: String, old: String, new: String) {
        Logger("audit").notice("platform (platform): \(action) \(old.prefix(12)) -> \(new.prefix(12))")
        do {
            try audit?.record(AuditRecord(time: clock.now(), user: "platform", channel: "platform", action: action, target: "site",
                                          old: old, new: new))
        } catch {
            Logger("audit").error("cannot store the audit entry: \(error)")
        }
    }

    // MARK: - The trial (the daemon's once-a-second tick)

    /// Judges the configuration on trial: kept once `unmet()` is empty, rolled back (and the
    /// gateway restarted) when the window passes first. Nothing to do without a trial.
    package func tick(unmet: () -> [String]) {
        guard let trial = state.withLock({ $0.trial }) else { return }
        switch watch.decide(now: monotonicMilliseconds(), unmet: unmet()) {
        case .waiting:
            return
        case .healthy:
            files.removeTrial()
            state.withLock { $0.trial = nil }
            record(action: "config applied", old: trial.previousHash, new: trial.hash)
            report(ConfigOutcome(state: .applied, hash: trial.hash, time: clock.now()))
            log.notice("configuration \(trial.hash.prefix(12)) is healthy: kept")
        case .rollBack(let reason):
            state.withLock { $0.trial = nil }
            jobs.submit { [self] in
                do {
                    _ = try rollBack(reason: reason)
                } catch {
                    log.error("cannot roll back: \(error)")
                }
                restart()
            }
        }
    }
}
