import FieldSystem
import Synchronization

/// Which thread runs a component's loop, recorded by that thread when it starts, so the
/// component can tell a call from its own thread (which must not wait for itself).
package final class UplinkThreadIdentity: Sendable {
    private let id = Mutex<ThreadIdentity?>(nil)

    package init() {}

    /// Called first thing on the component's thread.
    package func claim() { id.withLock { $0 = .current } }

    /// True when called on the claiming thread.
    package var isCurrent: Bool { id.withLock { id in id.map { $0 == .current } ?? false } }
}
