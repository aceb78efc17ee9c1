import CCrypt
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The crypt(3) method of a new password hash.
package enum PasswordMethod: String, Sendable, CaseIterable {
    /// yescrypt, `$y$`: the default of current Debian and the firmware's choice.
    case yescrypt = "$y$"
    /// SHA-512 crypt, `$6$`, for platforms whose tools lack yescrypt.
    case sha512 = "$6$"
}

/// A hash could not be made (no entropy, method not supported by this libcrypt).
package struct PasswordHashError: Error, Hashable, Sendable, CustomStringConvertible {
    package var function: String
    package var errno: Int32
    package var description: String { "\(function) failed: \(errnoDescription(errno)) (errno \(errno))" }
}

/// Password hashing and checking through libcrypt (`crypt_rn`, `crypt_gensalt_rn`). The
/// clear password lives only in `SecretBytes` and in scratch memory wiped after each call.
package enum PasswordHasher {
    /// A new hash of `password` with a fresh random salt, for the site config's users.
    package static func hash(_ password: SecretBytes, method: PasswordMethod = .yescrypt) throws(PasswordHashError) -> String {
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = setting.withUnsafeMutableBufferPointer { out in
            crypt_gensalt_rn(method.rawValue, 0, nil, 0, out.baseAddress, Int32(out.count))
        }
        guard made != nil else { throw PasswordHashError(function: "crypt_gensalt_rn", errno: errno) }
        let settingText = String(decoding: setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let hashed = crypt(password, setting: settingText) else {
            throw PasswordHashError(function: "crypt_rn", errno: errno)
        }
        return hashed
    }

    /// True when `password` matches `hash` (any method this libcrypt knows). A malformed or
    /// unsupported hash never matches. The comparison takes the same time wherever they differ.
    package static func verify(_ password: SecretBytes, against hash: String) -> Bool {
        guard isUsableHash(hash), let computed = crypt(password, setting: hash) else { return false }
        let a = Array(computed.utf8), b = Array(hash.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// Spends the time of one check against a throwaway hash, so a login with an unknown user
    /// name takes as long as one with a wrong password.
    package static func verifyNobody(_ password: SecretBytes) {
        if let decoy = try? hash(SecretBytes(Array("decoy".utf8))) {
            _ = verify(password, against: decoy)
        }
    }

    /// True when libcrypt accepts `hash` as a setting of a method it supports.
    package static func isUsableHash(_ hash: String) -> Bool {
        !hash.isEmpty && crypt_checksalt(hash) == CRYPT_SALT_OK
    }

    private static func crypt(_ password: SecretBytes, setting: String) -> String? {
        let size = MemoryLayout<crypt_data>.size
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        memset(scratch, 0, size)
        defer {
            explicit_bzero(scratch, size)
            scratch.deallocate()
        }
        return password.withCString { phrase -> String? in
            guard let out = crypt_rn(phrase, setting, scratch, Int32(size)) else { return nil }
            return String(cString: out)
        }
    }
}
