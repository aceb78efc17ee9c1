#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldHAL
import Foundation
import Synchronization

/// A Modbus device that answers each request with what the test says: a real reply mutated, cut
/// short, doubled or replaced by noise. It serves TCP on 127.0.0.1 or RTU on the master side of a
/// pty, so the real `ModbusClient` (libmodbus) is the one that must cope.
final class HostileModbusDevice: Sendable {
    /// Given the request's bytes, the answer to send (nil: stay silent).
    typealias Answer = @Sendable ([UInt8]) -> [UInt8]?

    let port: Int
    let pty: PseudoTerminal?
    private let fd: CInt
    private let answer = Mutex<Answer>({ _ in nil })
    private let stopping = Atomic<Bool>(false)
    private let done = BlockingQueueLite()

    /// TCP: listens on a free port.
    init() throws {
        (self.fd, port) = try loopbackListener()
        pty = nil
        start { [self] in serveTCP() }
    }

    /// RTU: on a fresh pty; the client opens `pty.slavePath`.
    init(rtu: Void) throws {
        let p = try PseudoTerminal(settings: SerialSettings(baud: 115_200))
        pty = p
        fd = p.master.rawValue
        port = 0
        start { [self] in serveRTU() }
    }

    func answer(with a: @escaping Answer) { answer.withLock { $0 = a } }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        if pty == nil { shutdown(fd, CInt(SHUT_RDWR)); close(fd) }
        done.wait()
        pty?.close()
    }

    private func start(_ body: @escaping @Sendable () -> Void) {
        let done = self.done
        Thread.detachNewThread {
            body()
            done.signal()
        }
    }

    private func readable(_ fd: CInt, ms: CInt) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, ms) > 0
    }

    private func serveTCP() {
        while !stopping.load(ordering: .relaxed) {
            guard readable(fd, ms: 50) else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 600)
            while !stopping.load(ordering: .relaxed) {
                guard readable(client, ms: 50) else { continue }
                let n = read(client, &buffer, buffer.count)
                guard n > 0 else { break }
                if let reply = answer.withLock({ $0 })(Array(buffer[0..<n])) {
                    _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
                }
            }
            close(client)
        }
    }

    private func serveRTU() {
        var buffer = [UInt8](repeating: 0, count: 600)
        while !stopping.load(ordering: .relaxed) {
            guard readable(fd, ms: 50) else { continue }
            // A request frame arrives in one burst from a pty; wait for the rest of it.
            usleep(2000)
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { continue }
            if let reply = answer.withLock({ $0 })(Array(buffer[0..<n])) {
                _ = reply.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            }
        }
    }
}

/// A one-shot signal between threads.
final class BlockingQueueLite: Sendable {
    private let fired = Atomic<Bool>(false)
    func signal() { fired.store(true, ordering: .releasing) }
    func wait() { while !fired.load(ordering: .acquiring) { usleep(1000) } }
}

/// CRC-16/MODBUS, low byte first, appended to an RTU frame.
func withCRC(_ frame: [UInt8]) -> [UInt8] {
    var crc: UInt16 = 0xFFFF
    for b in frame {
        crc ^= UInt16(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
    }
    return frame + [UInt8(crc & 0xFF), UInt8(crc >> 8)]
}

/// A blocking TCP listener on 127.0.0.1 and the port the kernel chose (`SO_REUSEADDR`, backlog
/// 8), for the fuzz tests' hostile peers; the caller accepts and closes.
func loopbackListener() throws -> (fd: CInt, port: Int) {
    let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SystemError.current("socket") }
    var one: CInt = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listening = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { a in
            bind(fd, a, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, a, &length) == 0
        }
    }
    guard listening else {
        let error = SystemError.current("bind")
        close(fd)
        throw error
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
