import FieldCore
import FieldSystem

/// The local socket `fieldgate console` attaches to: one session, on its own thread, per
/// connection; a connection ends with its session.
extension ConsoleService {
    func acceptLoop(_ listener: FileDescriptor) {
        var set = [FileDescriptor.PollRequest(listener), FileDescriptor.PollRequest(wakeUp.descriptor)]
        while !isStopping {
            reap()
            guard (try? FileDescriptor.poll(&set, timeout: .seconds(1))) != nil, set[0].isReady, !isStopping else { continue }
            let client: FileDescriptor
            do {
                client = try listener.accept()
                try client.setNonBlocking(true)
            } catch {
                if !error.isWouldBlock { log.warning("console socket: accept failed: \(error)") }
                continue
            }
            let open = connections.withLock { $0.count }
            guard open < maxSocketSessions else {
                _ = try? client.send(Array("fieldgate: \(open) console sessions are open already; try again later\r\n".utf8))
                try? client.close()
                continue
            }
            let id = nextID.add(1, ordering: .relaxed).newValue
            connections.withLock { $0[id] = client }
            do {
                try spawn("console-socket") { [self] in
                    serveConnection(client)
                    connections.withLock { $0[id] = nil }
                    try? client.close()
                }
            } catch {
                log.error("\(error)")
                connections.withLock { $0[id] = nil }
                try? client.close()
            }
        }
    }

    private func serveConnection(_ client: FileDescriptor) {
        let terminal = ServiceTerminal(descriptor: client, name: "socket", stopping: { [self] in isStopping }, onStall: { false })
        let session = ConsoleSession(backend: backend, terminal: terminal, clock: clock, loginGuard: loginGuard,
                                     settings: sessionSettings(line: "socket"))
        let end = session.run()
        log.info("socket session ended: \(end)")
    }

    /// Removes a socket left behind by a gateway that died (never anything but a socket).
    func unlinkStale(_ path: String) {
        removeStaleSocket(at: path)
    }

    /// Root and the gateway's group may attach; nobody else.
    func restrictToGroup(_ path: String) {
        try? changePermissions(of: path, to: 0o660)
    }
}

extension FileDescriptor {
    /// Wakes whoever waits to read the connection (reads return end of file); writing still
    /// works, so the session can say why it ends.
    func shutdownReading() {
        shutdown(.reading)
    }
}
