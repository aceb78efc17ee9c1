#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// This process: its id, its exit, and the signals that stop it (the supervisor's loop waits for
/// those on its own thread instead of running a signal handler).
package enum CurrentProcess {
    /// This process's id (`getpid(2)`), e.g. to name a temporary file no other process uses.
    package static var id: Int { Int(getpid()) }

    /// Replaces this process with the program at `path` (`execve(2)`): the same process id,
    /// descriptors without close-on-exec kept. `arguments[0]` is the program's name for itself.
    ///
    /// - Parameters:
    ///   - environment: the new program's whole environment (given, not set with `setenv`, which
    ///     is not safe while other threads run).
    /// - Throws: `SystemError` from `execve`, naming `path`, when the program cannot be started;
    ///   it does not return otherwise.
    package static func replace(with path: String, arguments: [String], environment: [String: String]) throws(SystemError) -> Never {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") }
        envp.append(nil)
        defer { for p in argv + envp { free(p) } }
        execve(path, argv, envp)
        throw SystemError.current("execve", subject: path)
    }

    /// Ends the process with `status` (`exit(3)`: atexit handlers run, stdio is flushed).
    package static func exit(_ status: Int32) -> Never { Glibc.exit(status) }

    /// Blocks the stop signals (SIGTERM from systemd, SIGINT from Ctrl-C, SIGHUP when the
    /// terminal goes away) in the calling thread and every thread it starts afterwards, so
    /// that only `waitForStopSignal` receives them; ignores SIGPIPE, so a peer that goes away is
    /// an `EPIPE` error and never kills the process. Call first thing in `main`.
    package static func blockStopSignals() {
        var set = stopSignalSet
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Waits at most `timeout` for a blocked stop signal (`sigtimedwait(2)`).
    ///
    /// - Returns: the signal's number, or nil after `timeout` (or an interruption: the caller
    ///   loops anyway).
    package static func waitForStopSignal(timeout: Duration) -> Int32? {
        var set = stopSignalSet
        let ms = max(timeout.milliseconds, 0)
        var ts = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
        let sig = sigtimedwait(&set, nil, &ts)
        return sig > 0 ? sig : nil
    }

    private static var stopSignalSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        return set
    }
}
