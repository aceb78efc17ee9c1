import FieldCore
import FieldDevices
import FieldHAL
import Synchronization

/// Feeds the board's hardware watchdog and systemd's watchdog only while every worker is alive
/// (issue 4): a hung bus worker stops the feeding, and the board or the service is restarted.
package final class WatchdogFeeder: Sendable {
    private let hardware: Watchdog?
    private let systemd: SystemdNotifier?
    private let alive: @Sendable () -> String?
    private let log = Logger("watchdog")
    private let starving = Atomic<Bool>(false)

    /// - Parameters:
    ///   - board: the board's watchdog device, opened and armed now (a missing device is logged,
    ///     not fatal: the gateway still runs).
    ///   - alive: nil when every worker's heartbeat is fresh, else the name of a stale worker.
    package init(board: BoardWatchdog?, environment: [String: String], alive: @escaping @Sendable () -> String?) {
        self.alive = alive
        var hw: Watchdog?
        if let board {
            do throws(SystemError) {
                hw = try Watchdog(path: board.device, timeout: board.timeout)
                Logger("watchdog").notice("\(board.device) armed (\(formatDuration(board.timeout)))")
            } catch {
                Logger("watchdog").error("cannot open the board's watchdog: \(error); running without it")
            }
        }
        hardware = hw
        do throws(SystemError) {
            systemd = try SystemdNotifier.fromEnvironment(environment)
        } catch {
            Logger("watchdog").error("cannot reach systemd's notify socket: \(error)")
            systemd = nil
        }
    }

    /// Tells systemd the gateway is ready (Type=notify).
    package func ready(status: String) {
        try? systemd?.ready(status: status)
    }

    /// Feeds both watchdogs if every worker is alive; call every second.
    package func tick() {
        if let stale = alive() {
            if !starving.exchange(true, ordering: .relaxed) {
                log.error("\(stale) is not responding: no longer feeding the watchdog")
            }
            return
        }
        if starving.exchange(false, ordering: .relaxed) { log.notice("all workers responding again") }
        do throws(SystemError) {
            try hardware?.keepAlive()
        } catch {
            log.error("cannot feed \(hardware?.path ?? "the watchdog"): \(error)")
        }
        try? systemd?.watchdog()
    }

    /// A clean stop: tells systemd, and disarms the hardware watchdog (magic close).
    package func stop() {
        try? systemd?.stopping()
        do throws(SystemError) {
            try hardware?.stop()
        } catch {
            log.error("cannot disarm \(hardware?.path ?? "the watchdog"): \(error)")
        }
    }
}
