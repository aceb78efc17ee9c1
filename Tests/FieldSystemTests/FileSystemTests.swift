import FieldCore
import FieldSystem
import Glibc
import Synchronization
import Testing

/// `FileSystem`, `fsync`, process, thread and terminal helpers, on real files, threads and ptys.
@Suite("File system and process helpers")
struct FileSystemTests {
    @Test func directoriesFilesRenameAndRemove() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fs-test")
        let sub = dir + "/sub"
        try FileSystem.makeDirectory(sub, permissions: 0o750)
        #expect(try FileSystem.status(of: sub).kind == .directory)
        do {
            try FileSystem.makeDirectory(sub, permissions: 0o750)
            Issue.record("made \(sub) twice")
        } catch {
            #expect(error.isAlreadyThere && error.function == "mkdir" && error.subject == sub)
        }
        let file = sub + "/a"
        let fd = try FileDescriptor.open(file, .writeOnly, options: [.create, .closeOnExec])
        try fd.writeAll(Array("hello".utf8))
        try fd.synchronize(subject: file)
        try fd.close()
        #expect(try FileSystem.status(of: file) == FileSystem.Status(kind: .regularFile, size: 5))
        try FileSystem.truncate(file, to: 3)
        #expect(try FileSystem.status(of: file).size == 3)
        do {
            try FileSystem.truncate(file, to: -1)
            Issue.record("truncated to a negative size")
        } catch {
            #expect(error.function == "truncate" && error.subject == file)
        }
        #expect(FileSystem.exists(file))
        try FileSystem.checkReadable(file)
        try FileSystem.rename(file, to: sub + "/b")
        #expect(!FileSystem.exists(file) && FileSystem.exists(sub + "/b"))
        #expect(try FileSystem.resolvedPath(sub + "/../sub/b") == FileSystem.resolvedPath(dir) + "/sub/b")
        try FileSystem.remove(sub + "/b")
        do {
            _ = try FileSystem.status(of: sub + "/b")
            Issue.record("stat of a removed file")
        } catch {
            #expect(error.isNotFound && error.description.hasPrefix("stat \(sub)/b: "))
        }
        do {
            try FileSystem.checkReadable(file)
            Issue.record("\(file) readable after the rename")
        } catch {
            #expect(error.isNotFound && error.function == "access")
        }
        do {
            try FileSystem.rename(file, to: sub + "/c")
            Issue.record("renamed a missing file")
        } catch {
            #expect(error.subject == "\(file) -> \(sub)/c")
        }
        rmdir(sub)
        rmdir(dir)
    }

    /// The mask is process-wide and other suites make files meanwhile: it is changed only for
    /// as long as it takes to read it back, and a new directory's mode is checked against it.
    @Test func creationMaskAppliesToNewDirectories() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fs-umask")
        let mask = FileSystem.setCreationMask(0o022)
        #expect(FileSystem.setCreationMask(mask) == 0o022)
        try FileSystem.makeDirectory(dir + "/d", permissions: 0o777)
        var info = stat()
        #expect(stat(dir + "/d", &info) == 0 && UInt32(info.st_mode) & 0o777 == 0o777 & ~mask)
        rmdir(dir + "/d")
        rmdir(dir)
    }

    @Test func volumeSpaceIsTheFileSystems() throws {
        let space = try FileSystem.volumeSpace(of: "/tmp")
        var s = statvfs()
        #expect(statvfs("/tmp", &s) == 0)
        #expect(space.total == Int(s.f_blocks) * Int(s.f_frsize))
        #expect(space.available > 0 && space.available <= space.total)
        do {
            _ = try FileSystem.volumeSpace(of: "/no/such/dir")
            Issue.record("statvfs of a missing directory")
        } catch {
            #expect(error.isNotFound && error.function == "statvfs")
        }
    }

    @Test func processIdAndStopSignals() throws {
        #expect(CurrentProcess.id == Int(getpid()))
        // A thread that blocks the stop signals receives one sent to it by sigtimedwait; without
        // one pending the wait ends after its timeout.
        let got = Mutex<[Int32?]>([])
        let thread = try WorkerThread(name: "signals") {
            CurrentProcess.blockStopSignals()
            let started = monotonicMilliseconds()
            let none = CurrentProcess.waitForStopSignal(timeout: .milliseconds(50))
            let waited = monotonicMilliseconds() - started
            pthread_kill(pthread_self(), SIGHUP)
            let hup = CurrentProcess.waitForStopSignal(timeout: .seconds(2))
            got.withLock { $0 = [none, hup, waited >= 50 ? 1 : 0] }
        }
        thread.join()
        #expect(got.withLock { $0 } == [nil, SIGHUP, 1])
    }

    /// A program that is not there: execve fails and the process goes on (a successful replace
    /// cannot be shown in the test process).
    @Test func aProgramThatCannotStartIsAnErrorNamingIt() {
        do {
            try CurrentProcess.replace(with: "/no/such/fieldgate", arguments: ["fieldgate", "run"], environment: ["FIELDGATE_SLOT": "b"])
        } catch {
            #expect(error.isNotFound && error.description.hasPrefix("execve /no/such/fieldgate: "))
        }
    }

    @Test func threadIdentityTellsThreadsApart() throws {
        let mine = ThreadIdentity.current
        #expect(mine == ThreadIdentity.current)
        let other = Mutex<ThreadIdentity?>(nil)
        let thread = try WorkerThread(name: "identity") { other.withLock { $0 = .current } }
        thread.join()
        #expect(other.withLock { $0 } != nil)
        #expect(other.withLock { $0 } != mine)
    }

    @Test func terminalHelpersOnAPtyAndAPipe() throws {
        let pipe = try FileDescriptor.pipe()
        defer { try? pipe.readEnd.close(); try? pipe.writeEnd.close() }
        #expect(!pipe.readEnd.isTerminal)
        do {
            _ = try pipe.readEnd.windowSize()
            Issue.record("a pipe has a window size")
        } catch {
            #expect(error.isUnsupportedRequest && error.function == "ioctl(TIOCGWINSZ)")
        }
        var master: CInt = -1, slave: CInt = -1
        try #require(openpty(&master, &slave, nil, nil, nil) == 0)
        defer { close(master) }
        let tty = FileDescriptor(rawValue: slave)
        defer { try? tty.close() }
        #expect(tty.isTerminal)
        var size = winsize(ws_row: 40, ws_col: 132, ws_xpixel: 0, ws_ypixel: 0)
        try #require(ioctl(master, UInt(TIOCSWINSZ), &size) == 0)
        let window = try tty.windowSize()
        #expect(window.rows == 40 && window.columns == 132)
        var attributes = try tty.terminalAttributes()
        #expect(attributes.echo)
        attributes.echo = false
        try tty.setTerminalAttributes(attributes, when: FileDescriptor.TerminalChange.afterFlush)
        #expect(try !tty.terminalAttributes().echo)
        attributes.makeRaw()
        try tty.setTerminalAttributes(attributes, when: FileDescriptor.TerminalChange.now)
        let raw = try tty.terminalAttributes().raw
        #expect(raw.c_lflag & tcflag_t(ICANON) == 0 && raw.c_oflag & tcflag_t(OPOST) == 0)
    }
}
