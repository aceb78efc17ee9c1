import FieldHAL

/// The gateway's state directory (`outbox.db` with the audit trail, the sockets, the login
/// failures): created 0750, and every file the gateway makes there at most 0640 — also when it is
/// run by hand under a umask of 022, where the package's `UMask=0027` does not apply.
enum StateDirectory {
    /// Files no more than owner read-write, group read; directories owner all, group read-search.
    static let umask: UInt32 = 0o027

    /// What is wrong with the state directory, in words; `isFile` when a file stands in its place.
    struct Problem {
        let message: String
        var isFile = false
    }

    /// Sets the process's umask and makes `path` (and missing parents) a directory.
    /// - Returns: nil when the directory is there, or what is wrong.
    static func prepare(_ path: String) -> Problem? {
        FileSystem.setCreationMask(umask)
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            do {
                if try FileSystem.status(of: built).kind != .directory { return Problem(message: "\(built) is a file, not a directory", isFile: true) }
                continue
            } catch where !error.isNotFound {
                return Problem(message: "\(built): \(error.message)")
            } catch {}
            do {
                try FileSystem.makeDirectory(built, permissions: 0o750)
            } catch where !error.isAlreadyThere {
                return Problem(message: "cannot create \(built): \(error.message)")
            } catch {}
        }
        return nil
    }
}
