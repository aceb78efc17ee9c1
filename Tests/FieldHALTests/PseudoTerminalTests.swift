import Foundation
import Glibc
import Testing
@testable import FieldHAL

@Suite struct PseudoTerminalTests {
    /// Reads exactly `count` bytes, waiting for each chunk with `poll` (5 s at most).
    func read(_ count: Int, from fd: FileDescriptor) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            guard try !FileDescriptor.poll(fd, for: .readable, timeout: .seconds(5)).isEmpty else { break }
            bytes += try fd.read(upTo: count - bytes.count)
        }
        return bytes
    }

    @Test func everyByteCrossesARawPtyUnchangedBothWays() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pty = try PseudoTerminal(linkPath: dir.path + "/rs485-1")
        defer { pty.close() }
        #expect(pty.slavePath.hasPrefix("/dev/pts/"))
        let port = try SerialPort(path: dir.path + "/rs485-1", settings: try SerialSettings(parsing: "9600 8E1"))
        defer { port.close() }
        // NUL, ^C, CR, LF, DEL, 0xFF: nothing is translated, echoed, or turned into a signal.
        let all = (0...255).map(UInt8.init)
        try port.write(all)
        #expect(try read(256, from: pty.master) == all)
        try pty.master.writeAll(all.reversed())
        #expect(try read(256, from: port.descriptor) == all.reversed())
        #expect(try port.waitForInput(timeout: .zero) == false)
    }

    @Test func settingsAreAppliedAndReadBack() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort(path: pty.slavePath, settings: try SerialSettings(baud: 19_200, dataBits: 7, parity: .odd, stopBits: 2))
        defer { port.close() }
        // Linux keeps a pty's baud and stop bits but forces 8 data bits and no parity on it: a
        // UART keeps all of them.
        #expect(try port.currentSettings() == SerialSettings(baud: 19_200, dataBits: 8, parity: .none, stopBits: 2))
        let polling = try SerialSettings.console.reading(minimumBytes: 0, interByteTimeout: .milliseconds(300))
        try port.apply(polling)
        #expect(try port.currentSettings() == polling)
        #expect(try pty.slave.serialSettings() == polling)
    }

    @Test func aWaitForInputEndsOnInputOrOnAWakeUp() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort(path: pty.slavePath)
        defer { port.close() }
        let wakeUp = try FileDescriptor.WakeUp()
        wakeUp.signal()
        #expect(try port.waitForInput(timeout: .seconds(30), wakeUp: wakeUp) == false)
        #expect(wakeUp.drain())
        try pty.master.writeAll(Array("status\r".utf8))
        #expect(try port.waitForInput(timeout: .seconds(5), wakeUp: wakeUp))
        #expect(try port.read(upTo: 64) == Array("status\r".utf8))
    }

    @Test func theLinkIsReplacedWhenStaleAndRemovedOnClose() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let link = dir.path + "/console"
        #expect(symlink("/dev/pts/nonexistent", link) == 0)
        let pty = try PseudoTerminal(linkPath: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == pty.slavePath)
        pty.close()
        #expect(!FileManager.default.fileExists(atPath: link))
        pty.close()
    }

    @Test func aFileInTheWayOfTheLinkIsLeftAlone() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/rs485-1"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        #expect(throws: SystemError(code: EEXIST, function: "symlink", subject: path)) { try PseudoTerminal(linkPath: path) }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func aMissingOrWrongPortGivesAnErrorThatNamesIt() throws {
        #expect(throws: SystemError(code: ENOENT, function: "open", subject: "/dev/ttyFIELD9")) {
            try SerialPort(path: "/dev/ttyFIELD9")
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.path + "/not-a-tty"
        #expect(FileManager.default.createFile(atPath: file, contents: nil))
        #expect(throws: SystemError(code: ENOTTY, function: "ioctl(TIOCEXCL)", subject: file)) { try SerialPort(path: file) }
        #expect(SystemError(code: ENOENT, function: "open", subject: "/dev/ttyFIELD9").description
            == "open /dev/ttyFIELD9: No such file or directory (errno 2)")
    }
}
