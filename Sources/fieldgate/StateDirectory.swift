#if canImport(Glibc)
import Glibc
#endif
import FieldHAL

/// The gateway's state directory (`outbox.db` with the audit trail, the sockets, the login
/// failures): created 0750, and every file the gateway makes there at most 0640 — also when it is
/// run by hand under a umask of 022, where the package's `UMask=0027` does not apply.
enum StateDirectory {
    /// Files no more than owner read-write, group read; directories owner all, group read-search.
    static let umask: mode_t = 0o027

    /// What is wrong with the state directory, in words; `isFile` when a file stands in its place.
    struct Problem {
        let message: String
        var isFile = false
    }

    /// Sets the process's umask and makes `path` (and missing parents) a directory.
    /// - Returns: nil when the directory is there, or what is wrong.
    static func prepare(_ path: String) -> Problem? {
        _ = Glibc.umask(umask)
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            var info = stat()
            if stat(built, &info) == 0 {
                if info.st_mode & S_IFMT != S_IFDIR { return Problem(message: "\(built) is a file, not a directory", isFile: true) }
                continue
            }
            guard errno == ENOENT else { return Problem(message: "\(built): \(SystemError.current("stat").message)") }
            if mkdir(built, 0o750) != 0, errno != EEXIST {
                return Problem(message: "cannot create \(built): \(SystemError.current("mkdir").message)")
            }
        }
        return nil
    }
}
