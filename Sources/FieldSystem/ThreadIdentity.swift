#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which thread this is (`pthread_self`), compared with `pthread_equal`: lets a component tell a
/// call from its own thread, which must not wait for itself.
package struct ThreadIdentity: Equatable, @unchecked Sendable {
    // A pthread_t is an opaque handle the C library only ever compares; it is never dereferenced.
    private let handle: pthread_t

    /// The calling thread.
    package static var current: ThreadIdentity { ThreadIdentity(handle: pthread_self()) }

    package static func == (a: ThreadIdentity, b: ThreadIdentity) -> Bool { pthread_equal(a.handle, b.handle) != 0 }
}
