import FieldHAL
import FieldSystem

/// Replaces files so that a power cut at any moment leaves either the old or the new content,
/// never a torn or missing file: write a temporary file beside it, `fsync` it, `rename` it over
/// the target, `fsync` the directory (the rename itself is only durable then).
package enum DurableFile {
    /// Writes `bytes` to `path` atomically and durably.
    /// - Throws: `SystemError` from `open`, `write`, `fsync`, `rename` with the file as subject;
    ///   the temporary file is removed then and `path` is untouched.
    package static func replace(_ path: String, with bytes: [UInt8], permissions: UInt32 = 0o640) throws(SystemError) {
        let temporary = path + ".tmp-\(CurrentProcess.id)"
        do throws(SystemError) {
            let fd = try FileDescriptor.open(temporary, .writeOnly, options: [.create, .truncate, .closeOnExec], permissions: permissions)
            do throws(SystemError) {
                try fd.writeAll(bytes)
                try fd.synchronize(subject: temporary)
            } catch {
                try? fd.close()
                throw error
            }
            try fd.close()
            try FileSystem.rename(temporary, to: path)
        } catch {
            try? FileSystem.remove(temporary)
            throw error
        }
        try syncDirectory(of: path)
    }

    /// The file's bytes, or nil when it does not exist.
    package static func read(_ path: String) throws(SystemError) -> [UInt8]? {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly)
        } catch where error.isNotFound {
            return nil
        }
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        while true {
            let chunk = try fd.read(upTo: 65536)
            if chunk.isEmpty { return bytes }
            bytes += chunk
        }
    }

    /// Makes a rename in the directory durable.
    private static func syncDirectory(of path: String) throws(SystemError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let fd = try FileDescriptor.open(directory.isEmpty ? "/" : directory, .readOnly)
        defer { try? fd.close() }
        try fd.synchronize(subject: directory)
    }
}
