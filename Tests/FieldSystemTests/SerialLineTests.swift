import FieldSystem
import Glibc
import Testing

/// The pty, termios and ioctl helpers on a real pseudo-terminal.
@Suite("Serial line and pty helpers")
struct SerialLineTests {
    @Test func aPtyPairCarriesBytesAndNamesItsSlave() throws {
        let (master, slave) = try FileDescriptor.openPseudoTerminal()
        defer { try? master.close(); try? slave.close() }
        #expect(fcntl(master.rawValue, F_GETFD) & FD_CLOEXEC != 0 && fcntl(slave.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        let name = try slave.terminalName()
        #expect(name.hasPrefix("/dev/pts/"))
        var raw = try slave.terminalAttributes()
        raw.makeRaw()
        try slave.setTerminalAttributes(raw, when: FileDescriptor.TerminalChange.now)
        try master.writeAll(Array("abc".utf8))
        #expect(try FileDescriptor.poll(slave, for: .readable, timeout: .seconds(2)).contains(.readable))
        #expect(try slave.read(upTo: 16) == Array("abc".utf8))
        try slave.writeAll(Array("xyz".utf8))
        try slave.drainOutput(subject: name)
        #expect(try master.read(upTo: 16) == Array("xyz".utf8))
        // Unread input on the slave is thrown away.
        try master.writeAll(Array("stale".utf8))
        _ = try FileDescriptor.poll(slave, for: .readable, timeout: .seconds(2))
        try slave.discard(.input, subject: name)
        #expect(try FileDescriptor.poll(slave, for: .readable, timeout: .milliseconds(50)).isEmpty)
        try slave.setExclusive(subject: name)
    }

    @Test func serialFramingRoundTripsThroughTermios() throws {
        let (master, slave) = try FileDescriptor.openPseudoTerminal()
        defer { try? master.close(); try? slave.close() }
        var t = try slave.terminalAttributes()
        t.makeRawSerialLine(dataBits: 7, parity: .odd, twoStopBits: true, minimumBytes: 0, readTimeoutTenths: 5)
        let set9600 = t.setBaudRate(9600)
        let setOdd = t.setBaudRate(12_345)
        #expect(set9600 && !setOdd)
        #expect(t.baudRate == 9600)
        #expect(t.dataBits == 7 && t.parity == .odd && t.twoStopBits)
        #expect(t.minimumBytes == 0 && t.readTimeoutTenths == 5)
        #expect(t.raw.c_cflag & tcflag_t(CLOCAL | CREAD) == tcflag_t(CLOCAL | CREAD))
        #expect(t.raw.c_iflag & tcflag_t(INPCK) != 0 && t.raw.c_iflag & tcflag_t(IXON) == 0)
        // A pty keeps the rate, the stop bits and VMIN/VTIME it is given (Linux forces 8N on it).
        try slave.setTerminalAttributes(t, when: FileDescriptor.TerminalChange.now)
        let back = try slave.terminalAttributes()
        #expect(back.baudRate == 9600 && back.twoStopBits && back.minimumBytes == 0 && back.readTimeoutTenths == 5)
        #expect(FileDescriptor.TerminalAttributes.baudRates.first == 1200 && FileDescriptor.TerminalAttributes.baudRates.last == 921_600)
    }

    @Test func anIoctlAPipeDoesNotKnowIsUnsupported() throws {
        let pipe = try FileDescriptor.pipe()
        defer { try? pipe.readEnd.close(); try? pipe.writeEnd.close() }
        var value: CInt = 0
        do {
            try pipe.readEnd.control(0x8004_5705, &value, name: "ioctl(WDIOC_KEEPALIVE)", subject: "a pipe")
            Issue.record("a pipe took a watchdog request")
        } catch {
            #expect(error.isUnsupportedRequest && error.description.hasPrefix("ioctl(WDIOC_KEEPALIVE) a pipe: "))
        }
        do {
            try pipe.readEnd.discard(.both, subject: "a pipe")
            Issue.record("tcflush on a pipe")
        } catch {
            #expect(error.function == "tcflush" && error.subject == "a pipe")
        }
    }

    @Test func symbolicLinks() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fs-link")
        let link = dir + "/port"
        #expect(FileSystem.isSymbolicLink(link) == nil)
        #expect(FileSystem.linkTarget(of: link) == nil)
        try FileSystem.makeSymbolicLink(at: link, to: "/dev/null")
        #expect(FileSystem.isSymbolicLink(link) == true)
        #expect(FileSystem.linkTarget(of: link) == "/dev/null")
        do {
            try FileSystem.makeSymbolicLink(at: link, to: "/dev/zero")
            Issue.record("replaced a link")
        } catch {
            #expect(error.isAlreadyThere && error.subject == link)
        }
        try FileSystem.remove(link)
        let fd = try FileDescriptor.open(dir + "/file", .writeOnly, options: [.create, .closeOnExec])
        try fd.close()
        #expect(FileSystem.isSymbolicLink(dir + "/file") == false)
        try FileSystem.remove(dir + "/file")
        rmdir(dir)
    }
}
