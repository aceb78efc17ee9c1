#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Which thread runs a component's loop, recorded by that thread when it starts, so the
/// component can tell a call from its own thread (which must not wait for itself).
package final class UplinkThreadIdentity: Sendable {
    private let id = Mutex<pthread_t?>(nil)

    package init() {}

    /// Called first thing on the component's thread.
    package func claim() { id.withLock { $0 = pthread_self() } }

    /// True when called on the claiming thread.
    package var isCurrent: Bool { id.withLock { id in id.map { pthread_equal($0, pthread_self()) != 0 } ?? false } }
}
