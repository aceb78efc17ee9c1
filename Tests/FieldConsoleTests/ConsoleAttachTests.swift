import FieldConsole
import FieldCore
import Foundation
import Testing

/// `fieldgate console` against a real Unix socket with a session on the other end.
@Suite struct ConsoleAttachTests {
    @Test func pipedKeystrokesReachTheSessionOverTheSocket() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fg-console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fieldgate.sock").path

        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(listen(listener, 1) == 0)

        let backend = MemoryBackend(clock: ManualClock(), users: Fixture.users)
        let served = DispatchSemaphore(value: 0)
        Thread {
            let connection = accept(listener, nil, nil)
            if connection >= 0 {
                let terminal = FileDescriptorTerminal(descriptor: connection, name: "socket", closeOnDeinit: true)
                let session = ConsoleSession(backend: backend, terminal: terminal, clock: SystemClock(), loginGuard: LoginGuard(),
                                             settings: ConsoleSettings(line: "socket", terminal: .plain))
                _ = session.run()
            }
            served.signal()
        }.start()

        let input = Pipe(), output = Pipe(), messages = Pipe()
        input.fileHandleForWriting.write(Data("tech\r\(Fixture.password)\rwhoami\rlogout\r".utf8))
        try input.fileHandleForWriting.close()
        let status = ConsoleAttach.run(socketPath: path, input: input.fileHandleForReading.fileDescriptor,
                                       output: output.fileHandleForWriting.fileDescriptor, messages: messages.fileHandleForWriting.fileDescriptor)
        try output.fileHandleForWriting.close()
        #expect(status == 0)
        #expect(served.wait(timeout: .now() + 20) == .success)
        let screen = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(screen.contains("Fieldgate \(FieldgateVersion.string) console on socket"))
        #expect(screen.contains("tech (technician) on socket"))
        #expect(screen.contains("logged out"))
        #expect(!screen.contains(Fixture.password))
        #expect(backend.auditEntries.first?.channel == "console socket")
    }

    @Test func aMissingSocketSaysWhy() throws {
        let messages = Pipe()
        let status = ConsoleAttach.run(socketPath: "/nonexistent/fieldgate.sock", input: 0, output: 1,
                                       messages: messages.fileHandleForWriting.fileDescriptor)
        try messages.fileHandleForWriting.close()
        #expect(status == 1)
        let text = String(decoding: messages.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("/nonexistent/fieldgate.sock: connect failed"))
        #expect(text.contains("(errno \(ENOENT))"))
    }
}
