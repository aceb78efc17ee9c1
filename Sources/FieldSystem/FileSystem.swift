#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Paths in the file system: rename, remove, create, ask about (the calls `DurableFile`, the
/// outbox, the state directory and the configuration check make). Each failure is a
/// `SystemError` naming the C function and the path.
package enum FileSystem {
    /// What a path names (`stat(2)`, following symbolic links).
    package enum Kind: Sendable, Equatable {
        case regularFile, directory, socket, other
    }

    /// What `path` is and how big (`stat(2)`).
    package struct Status: Sendable, Equatable {
        package var kind: Kind
        /// Bytes (`st_size`).
        package var size: Int

        package init(kind: Kind, size: Int) { (self.kind, self.size) = (kind, size) }
    }

    /// Size of the file system that holds a path (`statvfs(3)`).
    package struct VolumeSpace: Sendable, Equatable {
        /// All of it, in bytes.
        package var total: Int
        /// What an unprivileged process may still use, in bytes.
        package var available: Int
    }

    /// `stat(2)` of `path`.
    ///
    /// - Throws: `SystemError` from `stat` (`isNotFound` when nothing is there).
    package static func status(of path: String) throws(SystemError) -> Status {
        var info = stat()
        _ = try systemCall("stat", subject: path) { stat(path, &info) }
        let kind: Kind = switch info.st_mode & S_IFMT {
        case S_IFREG: .regularFile
        case S_IFDIR: .directory
        case S_IFSOCK: .socket
        default: .other
        }
        return Status(kind: kind, size: Int(info.st_size))
    }

    /// Whether something is at `path` (`access(F_OK)`).
    package static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Throws unless this process may read `path` (`access(R_OK)`).
    package static func checkReadable(_ path: String) throws(SystemError) {
        _ = try systemCall("access", subject: path) { access(path, R_OK) }
    }

    /// Renames `source` to `destination`, replacing it atomically (`rename(2)`).
    package static func rename(_ source: String, to destination: String) throws(SystemError) {
        _ = try systemCall("rename", subject: "\(source) -> \(destination)") { Glibc.rename(source, destination) }
    }

    /// Removes the file at `path` (`unlink(2)`).
    package static func remove(_ path: String) throws(SystemError) {
        _ = try systemCall("unlink", subject: path) { unlink(path) }
    }

    /// Cuts the file at `path` to `size` bytes (`truncate(2)`): a download resumed at whole chunks.
    package static func truncate(_ path: String, to size: Int) throws(SystemError) {
        guard size >= 0 else { throw SystemError(code: EINVAL, function: "truncate", subject: path) }
        _ = try systemCall("truncate", subject: path) { Glibc.truncate(path, off_t(size)) }
    }

    /// Makes the directory `path` (`mkdir(2)`); its mode is `permissions` less the umask.
    package static func makeDirectory(_ path: String, permissions: UInt32) throws(SystemError) {
        _ = try systemCall("mkdir", subject: path) { mkdir(path, mode_t(permissions)) }
    }

    /// Sets the process's file-creation mask (`umask(2)`) and returns the one before.
    @discardableResult
    package static func setCreationMask(_ mask: UInt32) -> UInt32 { UInt32(umask(mode_t(mask))) }

    /// The size of the file system holding `path` (`statvfs(3)`).
    package static func volumeSpace(of path: String) throws(SystemError) -> VolumeSpace {
        var s = statvfs()
        _ = try systemCall("statvfs", subject: path) { statvfs(path, &s) }
        return VolumeSpace(total: Int(s.f_blocks) * Int(s.f_frsize), available: Int(s.f_bavail) * Int(s.f_frsize))
    }

    /// The absolute path with symbolic links, `.` and `..` resolved (`realpath(3)`).
    package static func resolvedPath(_ path: String) throws(SystemError) -> String {
        guard let p = realpath(path, nil) else { throw SystemError.current("realpath", subject: path) }
        defer { free(p) }
        return String(cString: p)
    }
}

extension SystemError {
    /// `ENOENT`: nothing at that path.
    package var isNotFound: Bool { code == ENOENT }
    /// `EEXIST`: something is at that path already.
    package var isAlreadyThere: Bool { code == EEXIST }
}

extension FileDescriptor {
    /// Writes the file's data and metadata to the storage device (`fsync(2)`); on a directory,
    /// makes renames in it durable.
    ///
    /// - Parameters:
    ///   - subject: the path, for the error.
    package func synchronize(subject: String? = nil) throws(SystemError) {
        _ = try systemCall("fsync", subject: subject) { fsync(rawValue) }
    }
}

extension FileSystem {
    /// Makes a symbolic link at `path` pointing at `target` (`symlink(2)`).
    package static func makeSymbolicLink(at path: String, to target: String) throws(SystemError) {
        _ = try systemCall("symlink", subject: path) { symlink(target, path) }
    }

    /// Where the symbolic link at `path` points (`readlink(2)`), or nil when it is not one.
    package static func linkTarget(of path: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { $0.withMemoryRebound(to: CChar.self) { readlink(path, $0.baseAddress!, $0.count) } }
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    /// Whether `path` is a symbolic link itself (`lstat(2)`); nil when nothing is there.
    package static func isSymbolicLink(_ path: String) -> Bool? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT == S_IFLNK
    }
}
