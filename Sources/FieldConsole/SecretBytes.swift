#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A password typed at the console: bytes kept in one fixed allocation and wiped when dropped,
/// so no copy of the clear password outlives its use. Never converted to a `String`.
package final class SecretBytes: @unchecked Sendable {
    // Fixed capacity: appending never reallocates, so no stale copy is left behind in freed memory.
    private var storage: [UInt8]
    package private(set) var count = 0

    /// - Parameter capacity: the longest secret in bytes; longer input is refused.
    package init(capacity: Int) {
        storage = [UInt8](repeating: 0, count: max(1, capacity))
    }

    /// A secret holding `bytes` (tests and the `passwd` tool).
    package convenience init(_ bytes: some Collection<UInt8>) {
        self.init(capacity: bytes.count)
        for b in bytes { _ = append(b) }
    }

    deinit { wipe() }

    package var capacity: Int { storage.count }
    package var isEmpty: Bool { count == 0 }

    /// Adds a byte; false (and nothing added) when full.
    @discardableResult
    package func append(_ byte: UInt8) -> Bool {
        guard count < storage.count else { return false }
        storage[count] = byte
        count += 1
        return true
    }

    /// Removes the last UTF-8 character.
    package func removeLastCharacter() {
        while count > 0 {
            count -= 1
            let b = storage[count]
            storage[count] = 0
            if b & 0xC0 != 0x80 { break }
        }
    }

    /// Zeroes every byte and empties the secret.
    package func wipe() {
        storage.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
        count = 0
    }

    /// A copy that is wiped when dropped.
    package func copy() -> SecretBytes {
        let c = SecretBytes(capacity: storage.count)
        for i in 0..<count { c.append(storage[i]) }
        return c
    }

    /// True when both hold the same bytes, compared in time independent of where they differ.
    package func matches(_ other: SecretBytes) -> Bool {
        var diff = UInt8(count == other.count ? 0 : 1)
        for i in 0..<max(count, other.count) {
            let a = i < count ? storage[i] : 0, b = i < other.count ? other.storage[i] : 0
            diff |= a ^ b
        }
        return diff == 0
    }

    /// Calls `body` with the bytes followed by a NUL, for C APIs; the view is only valid inside.
    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var c = [CChar](repeating: 0, count: count + 1)
        defer { c.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } } }
        for i in 0..<count { c[i] = CChar(bitPattern: storage[i]) }
        return try c.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
