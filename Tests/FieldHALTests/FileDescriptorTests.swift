import Foundation
import Glibc
import Testing
import FieldCore
@testable import FieldHAL

@Suite struct FileDescriptorTests {
    @Test func bytesGoThroughAPipeAndEndOfFileIsEmpty() throws {
        let (readEnd, writeEnd) = try FileDescriptor.pipe()
        defer { try? readEnd.close() }
        try writeEnd.writeAll([1, 2, 3, 0, 255])
        try writeEnd.close()
        #expect(try readEnd.read(upTo: 100) == [1, 2, 3, 0, 255])
        #expect(try readEnd.read(upTo: 100) == [])
    }

    @Test func aFailedCallCarriesErrnoAndTheFunction() throws {
        // Not a descriptor closed here: tests run in parallel, and another test's open() could
        // reuse its number between the close and the read. Far above any open file's number.
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        let never = FileDescriptor(rawValue: CInt(clamping: min(limit.rlim_cur, UInt(CInt.max - 1))))
        #expect(throws: SystemError(code: EBADF, function: "read")) { try never.read(upTo: 1) }
        #expect(throws: SystemError(code: EBADF, function: "close")) { try never.close() }
        #expect(throws: SystemError(code: ENOENT, function: "open", subject: "/nonexistent/x")) {
            try FileDescriptor.open("/nonexistent/x", .readOnly)
        }
    }

    @Test func pollWaitsForItsTimeoutAndSeesData() throws {
        let (readEnd, writeEnd) = try FileDescriptor.pipe()
        defer { try? readEnd.close(); try? writeEnd.close() }
        let start = monotonicNanoseconds()
        #expect(try FileDescriptor.poll(readEnd, for: .readable, timeout: .milliseconds(20)).isEmpty)
        #expect(monotonicNanoseconds() - start >= 20_000_000)
        try writeEnd.writeAll([7])
        #expect(try FileDescriptor.poll(readEnd, for: .readable, timeout: .zero) == .readable)
    }

    @Test func aNonBlockingReadWithNothingThereSaysSo() throws {
        let (readEnd, writeEnd) = try FileDescriptor.pipe()
        defer { try? readEnd.close(); try? writeEnd.close() }
        try readEnd.setNonBlocking(true)
        let error = expectThrows(SystemError.self) { try readEnd.read(upTo: 1) }
        #expect(error?.isWouldBlock == true)
    }

    @Test func unixSocketAddressesAreCheckedAndStaleSocketsReplaced() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let long = dir.path + "/" + String(repeating: "s", count: 120)
        #expect(throws: SystemError(code: ENAMETOOLONG, function: "bind", subject: long)) { try FileDescriptor.unixListener(path: long) }

        let path = dir.path + "/api.sock"
        let first = try FileDescriptor.unixListener(path: path)
        try first.close()
        // A crashed run leaves its socket file behind; the next one takes the path over.
        let second = try FileDescriptor.unixListener(path: path)
        let client = try FileDescriptor.unixConnection(path: path)
        let served = try second.accept()
        _ = try client.send(Array("hello".utf8))
        #expect(try served.receive(upTo: 16) == Array("hello".utf8))
        for fd in [client, served, second] { try fd.close() }

        let file = dir.path + "/notes.txt"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("keep".utf8)))
        #expect(throws: SystemError(code: EADDRINUSE, function: "bind", subject: file)) { try FileDescriptor.unixListener(path: file) }
        #expect(FileManager.default.contents(atPath: file) == Data("keep".utf8))
    }

    @Test func sendingToAGonePeerIsAnErrorNotASignal() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let listener = try FileDescriptor.unixListener(path: dir.path + "/s")
        let client = try FileDescriptor.unixConnection(path: dir.path + "/s")
        defer { try? client.close() }
        try listener.accept().close()
        try listener.close()
        var lastError: SystemError?
        for _ in 0..<3 {
            do { _ = try client.send([1]) } catch { lastError = error }
        }
        #expect(lastError?.code == EPIPE || lastError?.code == ECONNRESET)
    }
}
