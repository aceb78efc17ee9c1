#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import Synchronization

/// Keeps the gateway and its outputs safe (issue 4, DESIGN rule 8): it waits for SIGTERM/SIGINT,
/// feeds the watchdogs only while every worker's heartbeat is fresh, and stops the gateway —
/// outputs into their safe state — before the process exits.
public enum Supervisor {
    /// Why the supervisor returned.
    public enum Exit: Sendable, Equatable {
        case signal(Int32)
        case restart
    }

    /// Blocks the stop signals in the calling thread and every thread started after this, so
    /// that only `run` receives them (call first thing in `main`). SIGPIPE is ignored: a console
    /// client or API client that goes away must not kill the gateway.
    public static func blockSignals() {
        var set = stopSignals
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Waits for a stop signal or `requestRestart()`; every `interval` it calls `tick`, which
    /// the daemon uses to feed its watchdogs while the workers are alive.
    public static func run(interval: Duration = .seconds(1), restart: RestartFlag, tick: () -> Void) -> Exit {
        var set = stopSignals
        while true {
            if restart.isRequested { return .restart }
            var ts = timespec(tv_sec: Int(interval.milliseconds / 1000), tv_nsec: Int(interval.milliseconds % 1000) * 1_000_000)
            let sig = sigtimedwait(&set, nil, &ts)
            if sig > 0 { return .signal(sig) }
            tick()
        }
    }

    private static var stopSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        return set
    }
}

/// Set by a `restart` command; read by the supervisor's loop.
public final class RestartFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func request() { flag.store(true, ordering: .relaxed) }
    public var isRequested: Bool { flag.load(ordering: .relaxed) }
}
