import FieldCore
import FieldRuntime
import FieldSystem

/// The clock, restarts and the factory reset.
///
/// A board without a battery-backed RTC starts at the last time saved on disk (fake-hwclock) or
/// at 1970 until NTP or a technician sets it; readings and alarms stamped before then carry that
/// wrong time. `date set` sets the system clock (`clock_settime`, which needs CAP_SYS_TIME: the
/// systemd unit grants it); scheduling runs on the monotonic clock, so polling and timeouts do
/// not jump. On a board with an RTC the system time reaches the RTC when it is saved at shutdown
/// (`hwclock --systohc` or the kernel's NTP sync), not at once.
extension GatewayBackend {
    package func systemTime() -> SystemTime {
        SystemTime(now: clock.now(), utcOffsetMinutes: site.info.utcOffsetMinutes, source: clockSource())
    }

    /// Where the time comes from: set by hand since start, NTP (systemd-timesyncd has synced),
    /// the RTC, or nothing (`unset`: a board without RTC after power-up).
    private func clockSource() -> String {
        if manualClock.withLock({ $0 }) != nil { return "manual" }
        if FileSystem.exists("/run/systemd/timesync/synchronized") { return "ntp" }
        if FileSystem.exists("/dev/rtc0") { return "rtc" }
        return "unset"
    }

    /// On the simulator board the gateway runs on a development machine, and on `linux-host` on
    /// a PC or server: the clock is that machine's, not the gateway's to set.
    package func clockSetRefusal() -> String? {
        if case .simulator = started.board.gpio {
            return "board \(started.board.id) runs on a development machine: its clock is the machine's, so date set is refused"
        }
        if started.board.id == "linux-host" {
            return "board linux-host: the clock belongs to the host (set it with timedatectl or NTP), so date set is refused"
        }
        return nil
    }

    package func setSystemTime(_ time: Timestamp, by actor: String) throws(BackendError) {
        if let refusal = clockSetRefusal() { throw .rejected(refusal) }
        do {
            try RealtimeClock.set(to: time)
        } catch where error.isPermissionDenied {
            throw .rejected("the gateway may not set the clock (clock_settime: it needs CAP_SYS_TIME, which the fieldgate service has)")
        } catch {
            throw .rejected("clock_settime failed: \(error.message) (errno \(error.code))")
        }
        manualClock.withLock { $0 = (actor, time) }
        log.notice("\(actor) set the clock to \(time)")
    }

    package func restart(by actor: String) throws(BackendError) {
        log.notice("\(actor) restarts the gateway from the console")
        _ = try command(.restart, by: actor, "restart")
    }

    /// Puts the factory site file (`site.json.factory` beside the site file) in place of the
    /// site file, keeping the current one as `site.json.prev`, and restarts. The audit trail and
    /// the outbox are kept: the trail records who reset the gateway, and alarms not yet
    /// delivered are still owed to the platform.
    package func factoryReset(by actor: String) throws(BackendError) {
        do {
            _ = try store.resetToFactory()
        } catch {
            throw BackendError(error)
        }
        log.notice("\(actor) reset the site config to the factory one; restarting")
        _ = try command(.restart, by: actor, "restart")
    }
}
