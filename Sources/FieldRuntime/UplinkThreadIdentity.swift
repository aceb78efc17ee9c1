#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Which thread runs a component's loop, recorded by that thread when it starts, so the
/// component can tell a call from its own thread (which must not wait for itself).
final class UplinkThreadIdentity: Sendable {
    private let id = Mutex<pthread_t?>(nil)

    /// Called first thing on the component's thread.
    func claim() { id.withLock { $0 = pthread_self() } }

    /// True when called on the claiming thread.
    var isCurrent: Bool { id.withLock { id in id.map { pthread_equal($0, pthread_self()) != 0 } ?? false } }
}
