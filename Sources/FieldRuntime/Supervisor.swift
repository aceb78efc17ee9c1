import FieldCore
import FieldSystem
import Synchronization

/// Keeps the gateway and its outputs safe (issue 4, DESIGN rule 8): it waits for SIGTERM/SIGINT,
/// feeds the watchdogs only while every worker's heartbeat is fresh, and stops the gateway —
/// outputs into their safe state — before the process exits.
package enum Supervisor {
    /// Why the supervisor returned.
    package enum Exit: Sendable, Equatable {
        case signal(Int32)
        case restart
    }

    /// Blocks the stop signals in the calling thread and every thread started after this, so
    /// that only `run` receives them (call first thing in `main`). SIGPIPE is ignored: a console
    /// client or API client that goes away must not kill the gateway.
    package static func blockSignals() {
        CurrentProcess.blockStopSignals()
    }

    /// Waits for a stop signal or `requestRestart()`; every `interval` it calls `tick`, which
    /// the daemon uses to feed its watchdogs while the workers are alive.
    package static func run(interval: Duration = .seconds(1), restart: RestartFlag, tick: () -> Void) -> Exit {
        while true {
            if restart.isRequested { return .restart }
            if let sig = CurrentProcess.waitForStopSignal(timeout: interval) { return .signal(sig) }
            tick()
        }
    }
}

/// Set by a `restart` command; read by the supervisor's loop.
package final class RestartFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    package init() {}
    package func request() { flag.store(true, ordering: .relaxed) }
    package var isRequested: Bool { flag.load(ordering: .relaxed) }
}
