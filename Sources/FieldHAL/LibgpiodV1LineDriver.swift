#if !FIELDGATE_LIBGPIOD2
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CGPIOD
import FieldCore

/// libgpiod 1.x (Debian 12, the development machine): one `gpiod_line` per line, one event
/// descriptor per watched line. Owns the chip handles and requested lines of one request; frees
/// them exactly once. Debounce is all software (`GPIODebouncer`): the v1 API has no kernel debounce.
final class LibgpiodLineDriver: GPIOLineDriver {
    private let lines: [GPIOLineConfig]
    private let clock: any FieldClock
    private var chips: [OpaquePointer] = []
    private var handles: [OpaquePointer] = []
    private var eventLines: [(descriptor: FileDescriptor, index: Int)] = []
    private var released = false

    /// How many kernel events are read per `read(2)`; the kernel queues 16 per line.
    private static let eventBatch = 16

    init(lines: [GPIOLineConfig], consumer: String, clock: any FieldClock) throws(GPIOError) {
        self.lines = lines
        self.clock = clock
        do throws(GPIOError) {
            var chipsByName: [String: OpaquePointer] = [:]
            for line in lines {
                let chip: OpaquePointer
                if let known = chipsByName[line.chip] {
                    chip = known
                } else {
                    chip = try open(chip: line.chip)
                    chipsByName[line.chip] = chip
                }
                let handle = try request(line, on: chip, consumer: consumer)
                handles.append(handle)
                if line.watchesEdges {
                    let fd = gpiod_line_event_get_fd(handle)
                    let descriptor = FileDescriptor(rawValue: fd)
                    do {
                        try descriptor.setNonBlocking(true)
                    } catch {
                        throw GPIOError.io(line: line.name, cause: error.about(line.location))
                    }
                    eventLines.append((descriptor, handles.count - 1))
                }
            }
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    var pollDescriptors: [FileDescriptor] { eventLines.map(\.descriptor) }

    func readRawEdges() throws(GPIOError) -> [GPIORawEdge] {
        guard !released else { throw GPIOError.released }
        var edges: [GPIORawEdge] = []
        var buffer = [gpiod_line_event](repeating: gpiod_line_event(), count: Self.eventBatch)
        for (descriptor, index) in eventLines {
            var lineEdges: [GPIORawEdge] = []
            while true {
                let n = buffer.withUnsafeMutableBufferPointer {
                    gpiod_line_event_read_fd_multiple(descriptor.rawValue, $0.baseAddress, UInt32($0.count))
                }
                if n < 0 {
                    let e = SystemError.current("gpiod_line_event_read_fd_multiple", subject: lines[index].location)
                    if e.isWouldBlock { break }
                    if e.code == EINTR { continue }
                    throw GPIOError.io(line: lines[index].name, cause: e)
                }
                for event in buffer.prefix(Int(n)) {
                    let rising = event.event_type == CInt(GPIOD_LINE_EVENT_RISING_EDGE)
                    lineEdges.append(GPIORawEdge(index: index, value: rising, time: Self.wallClock(event.ts)))
                }
                if n < Self.eventBatch { break }
            }
            // The kernel drops events when its queue overflows under heavy bounce: make sure the
            // debouncer ends on the level the pin really has.
            if let last = lineEdges.last, let now = try? value(at: index), now != last.value {
                lineEdges.append(GPIORawEdge(index: index, value: now, time: clock.now()))
            }
            edges += lineEdges
        }
        return edges
    }

    func value(at index: Int) throws(GPIOError) -> Bool {
        guard !released else { throw GPIOError.released }
        let v = gpiod_line_get_value(handles[index])
        guard v >= 0 else {
            throw GPIOError.io(line: lines[index].name, cause: .current("gpiod_line_get_value", subject: lines[index].location))
        }
        return v == 1
    }

    func setValue(_ value: Bool, at index: Int) throws(GPIOError) {
        guard !released else { throw GPIOError.released }
        guard gpiod_line_set_value(handles[index], value ? 1 : 0) == 0 else {
            throw GPIOError.io(line: lines[index].name, cause: .current("gpiod_line_set_value", subject: lines[index].location))
        }
    }

    func release() {
        guard !released else { return }
        released = true
        for handle in handles { gpiod_line_release(handle) }
        for chip in chips { gpiod_chip_close(chip) }
        handles = []
        chips = []
        eventLines = []
    }

    private func open(chip: String) throws(GPIOError) -> OpaquePointer {
        guard let handle = gpiod_chip_open_lookup(chip) else {
            throw GPIOError.openingChip(chip, failed: .current("gpiod_chip_open_lookup", subject: chip))
        }
        chips.append(handle)
        return handle
    }

    private func request(_ line: GPIOLineConfig, on chip: OpaquePointer, consumer: String) throws(GPIOError) -> OpaquePointer {
        guard let handle = gpiod_chip_get_line(chip, UInt32(line.offset)) else {
            let e = SystemError.current("gpiod_chip_get_line", subject: line.location)
            if e.code == EINVAL { throw GPIOError.noSuchLine(line: line.name, chip: line.chip, offset: line.offset) }
            throw GPIOError.io(line: line.name, cause: e)
        }
        let requestType: CInt = switch (line.direction, line.watchesEdges) {
        case (.output, _): CInt(GPIOD_LINE_REQUEST_DIRECTION_OUTPUT)
        case (.input, true): CInt(GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES)
        case (.input, false): CInt(GPIOD_LINE_REQUEST_DIRECTION_INPUT)
        }
        let flags: CInt = line.activeLow ? CInt(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
        let rc = consumer.withCString { name in
            var config = gpiod_line_request_config(consumer: name, request_type: requestType, flags: flags)
            return gpiod_line_request(handle, &config, line.initialValue ? 1 : 0)
        }
        guard rc == 0 else {
            let e = SystemError.current("gpiod_line_request", subject: line.location)
            if e.code == EBUSY {
                _ = gpiod_line_update(handle)
                let holder = gpiod_line_consumer(handle).map { String(cString: $0) } ?? "another program"
                throw GPIOError.busy(line: line.name, chip: line.chip, offset: line.offset, detail: "held by \(holder)")
            }
            throw GPIOError.io(line: line.name, cause: e)
        }
        return handle
    }

    private static func wallClock(_ ts: timespec) -> Timestamp {
        GPIOLibgpiodBackend.wallClock(eventMilliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}
#endif
