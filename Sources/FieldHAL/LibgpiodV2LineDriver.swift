#if FIELDGATE_LIBGPIOD2
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CGPIOD
import FieldCore

/// libgpiod 2.x (Debian 13, the boards): one line request per chip, made from line settings,
/// with one event descriptor and one edge-event buffer per request. Owns the requests and
/// buffers of one `GPIOBackend.request`; frees them exactly once.
///
/// The kernel debounces the inputs that ask for it (uAPI v2 debounce, in the GPIO controller or
/// in gpiolib): their edges arrive settled and the software debounce leaves them alone. A kernel
/// that refuses the debounce setting (`EINVAL`) gets the same request without it and the
/// software debounce does the work.
final class LibgpiodLineDriver: GPIOLineDriver {
    /// One chip's request.
    private struct ChipRequest {
        let chip: String
        let handle: OpaquePointer
        /// Edge events: the request's descriptor (non-blocking) and the buffer they are read
        /// into; nil when the request watches no line.
        let events: (descriptor: FileDescriptor, buffer: OpaquePointer)?
        /// Line index in the request by chip offset.
        let indexByOffset: [UInt32: Int]
    }

    private let lines: [GPIOLineConfig]
    private let clock: any FieldClock
    private var requests: [ChipRequest] = []
    /// For each line index: which request holds it, at which offset.
    private var places: [Int: (request: Int, offset: UInt32)] = [:]
    private(set) var debouncedByKernel: Set<Int> = []
    private var released = false

    /// How many kernel events are read per `read(2)`; the kernel queues 16 per line.
    private static let eventBatch = 16

    init(lines: [GPIOLineConfig], consumer: String, clock: any FieldClock) throws(GPIOError) {
        self.lines = lines
        self.clock = clock
        var chipsInOrder: [String] = []
        var indicesByChip: [String: [Int]] = [:]
        for (index, line) in lines.enumerated() {
            if indicesByChip[line.chip] == nil { chipsInOrder.append(line.chip) }
            indicesByChip[line.chip, default: []].append(index)
        }
        do throws(GPIOError) {
            for chip in chipsInOrder {
                try request(indicesByChip[chip] ?? [], on: chip, consumer: consumer)
            }
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    var pollDescriptors: [FileDescriptor] { requests.compactMap { $0.events?.descriptor } }

    func readRawEdges() throws(GPIOError) -> [GPIORawEdge] {
        guard !released else { throw GPIOError.released }
        var edges: [GPIORawEdge] = []
        for request in requests {
            guard let buffer = request.events?.buffer else { continue }
            var requestEdges: [GPIORawEdge] = []
            while true {
                let n = gpiod_line_request_read_edge_events(request.handle, buffer, Self.eventBatch)
                if n < 0 {
                    let e = SystemError.current("gpiod_line_request_read_edge_events", subject: request.chip)
                    if e.isWouldBlock { break }
                    if e.code == EINTR { continue }
                    throw GPIOError.io(line: names(of: request), cause: e)
                }
                for i in 0..<Int(n) {
                    guard let event = gpiod_edge_event_buffer_get_event(buffer, UInt(i)),
                          let index = request.indexByOffset[UInt32(gpiod_edge_event_get_line_offset(event))] else { continue }
                    let rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE
                    requestEdges.append(GPIORawEdge(index: index, value: rising, time: eventTime(event, index: index)))
                }
                if n < Self.eventBatch { break }
            }
            // The kernel drops events when its queue overflows under heavy bounce: make sure the
            // debouncer ends on the level each pin really has.
            var lastByLine: [Int: Bool] = [:]
            for edge in requestEdges { lastByLine[edge.index] = edge.value }
            for (index, last) in lastByLine.sorted(by: { $0.key < $1.key }) {
                if let now = try? value(at: index), now != last {
                    requestEdges.append(GPIORawEdge(index: index, value: now, time: clock.now()))
                }
            }
            edges += requestEdges
        }
        return edges
    }

    func value(at index: Int) throws(GPIOError) -> Bool {
        guard !released, let place = places[index] else { throw GPIOError.released }
        let v = gpiod_line_request_get_value(requests[place.request].handle, place.offset)
        guard v != GPIOD_LINE_VALUE_ERROR else {
            throw GPIOError.io(line: lines[index].name, cause: .current("gpiod_line_request_get_value", subject: lines[index].location))
        }
        return v == GPIOD_LINE_VALUE_ACTIVE
    }

    func setValue(_ value: Bool, at index: Int) throws(GPIOError) {
        guard !released, let place = places[index] else { throw GPIOError.released }
        let level = value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE
        guard gpiod_line_request_set_value(requests[place.request].handle, place.offset, level) == 0 else {
            throw GPIOError.io(line: lines[index].name, cause: .current("gpiod_line_request_set_value", subject: lines[index].location))
        }
    }

    func release() {
        guard !released else { return }
        released = true
        for request in requests {
            gpiod_line_request_release(request.handle)
            if let buffer = request.events?.buffer { gpiod_edge_event_buffer_free(buffer) }
        }
        requests = []
        places = [:]
    }

    // MARK: Requesting

    /// Requests the lines `indices` of one chip in one request.
    private func request(_ indices: [Int], on chipName: String, consumer: String) throws(GPIOError) {
        let chip = try Self.open(chip: chipName)
        defer { gpiod_chip_close(chip) }
        let lineCount = Self.lineCount(of: chip)
        for index in indices where lineCount.map({ lines[index].offset >= $0 }) ?? false {
            throw GPIOError.noSuchLine(line: lines[index].name, chip: chipName, offset: lines[index].offset)
        }
        let wantsKernelDebounce = indices.contains { Self.kernelDebounce(lines[$0]) != nil }
        var handle = try lineRequest(indices, on: chip, consumer: consumer, kernelDebounce: wantsKernelDebounce)
        if handle == nil && wantsKernelDebounce && errno == EINVAL {
            // A kernel (or driver) without debounce: software debounce instead.
            handle = try lineRequest(indices, on: chip, consumer: consumer, kernelDebounce: false)
        } else if handle != nil && wantsKernelDebounce {
            for index in indices where Self.kernelDebounce(lines[index]) != nil { debouncedByKernel.insert(index) }
        }
        guard let handle else {
            let e = SystemError.current("gpiod_chip_request_lines", subject: chipName)
            if e.code == EBUSY { throw busyError(indices, on: chip, chipName: chipName) }
            throw GPIOError.io(line: indices.map { lines[$0].name }.joined(separator: ","), cause: e)
        }
        var indexByOffset: [UInt32: Int] = [:]
        for index in indices {
            indexByOffset[UInt32(lines[index].offset)] = index
            places[index] = (requests.count, UInt32(lines[index].offset))
        }
        var events: (FileDescriptor, OpaquePointer)?
        if indices.contains(where: { lines[$0].watchesEdges }) {
            guard let buffer = gpiod_edge_event_buffer_new(Self.eventBatch) else {
                gpiod_line_request_release(handle)
                throw GPIOError.io(line: names(indices), cause: .current("gpiod_edge_event_buffer_new", subject: chipName))
            }
            let descriptor = FileDescriptor(rawValue: gpiod_line_request_get_fd(handle))
            events = (descriptor, buffer)
            requests.append(ChipRequest(chip: chipName, handle: handle, events: events, indexByOffset: indexByOffset))
            do {
                try descriptor.setNonBlocking(true)
            } catch {
                throw GPIOError.io(line: names(indices), cause: error.about(chipName))
            }
        } else {
            requests.append(ChipRequest(chip: chipName, handle: handle, events: nil, indexByOffset: indexByOffset))
        }
    }

    /// One `gpiod_chip_request_lines` with every line's own settings; nil with `errno` set when
    /// the kernel refuses.
    private func lineRequest(_ indices: [Int], on chip: OpaquePointer, consumer: String, kernelDebounce: Bool) throws(GPIOError) -> OpaquePointer? {
        guard let config = gpiod_line_config_new(), let requestConfig = gpiod_request_config_new() else {
            throw GPIOError.io(line: names(indices), cause: .current("gpiod_line_config_new"))
        }
        defer {
            gpiod_line_config_free(config)
            gpiod_request_config_free(requestConfig)
        }
        for index in indices {
            guard let settings = gpiod_line_settings_new() else {
                throw GPIOError.io(line: lines[index].name, cause: .current("gpiod_line_settings_new"))
            }
            defer { gpiod_line_settings_free(settings) }
            let line = lines[index]
            switch line.direction {
            case .output:
                gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT)
                gpiod_line_settings_set_output_value(settings, line.initialValue ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE)
            case .input:
                gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT)
                if line.watchesEdges { gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH) }
                if kernelDebounce, let microseconds = Self.kernelDebounce(line) {
                    gpiod_line_settings_set_debounce_period_us(settings, microseconds)
                }
            }
            gpiod_line_settings_set_active_low(settings, line.activeLow)
            var offset = UInt32(line.offset)
            guard gpiod_line_config_add_line_settings(config, &offset, 1, settings) == 0 else {
                throw GPIOError.io(line: line.name, cause: .current("gpiod_line_config_add_line_settings", subject: line.location))
            }
        }
        consumer.withCString { gpiod_request_config_set_consumer(requestConfig, $0) }
        return gpiod_chip_request_lines(chip, requestConfig, config)
    }

    /// The busy error for a refused request: the first of our lines someone else holds, and who.
    private func busyError(_ indices: [Int], on chip: OpaquePointer, chipName: String) -> GPIOError {
        for index in indices {
            let line = lines[index]
            guard let info = gpiod_chip_get_line_info(chip, UInt32(line.offset)) else { continue }
            defer { gpiod_line_info_free(info) }
            if gpiod_line_info_is_used(info) {
                let holder = gpiod_line_info_get_consumer(info).map { String(cString: $0) } ?? "another program"
                return .busy(line: line.name, chip: chipName, offset: line.offset, detail: "held by \(holder)")
            }
        }
        let first = lines[indices[0]]
        return .busy(line: first.name, chip: chipName, offset: first.offset, detail: "the kernel refused the request")
    }

    /// The debounce period the kernel is asked for, in microseconds (its field is 32 bits): nil
    /// for a line without debounce, or with one too long for the kernel (software does it then).
    private static func kernelDebounce(_ line: GPIOLineConfig) -> UInt? {
        guard line.watchesEdges, line.debounce > .zero else { return nil }
        let (seconds, attoseconds) = line.debounce.components
        guard seconds < 4000 else { return nil }
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return microseconds > 0 && microseconds <= Int64(UInt32.max) ? UInt(microseconds) : nil
    }

    /// When an edge happened, wall clock. A kernel-debounced edge is stamped when the debounce
    /// period ran out; the level settled one period earlier.
    private func eventTime(_ event: OpaquePointer, index: Int) -> Timestamp {
        var stamp = Int64(clamping: gpiod_edge_event_get_timestamp_ns(event) / 1_000_000)
        if debouncedByKernel.contains(index) {
            stamp -= lines[index].debounce.components.seconds * 1000 + lines[index].debounce.components.attoseconds / 1_000_000_000_000_000
        }
        return GPIOLibgpiodBackend.wallClock(eventMilliseconds: stamp)
    }

    private static func lineCount(of chip: OpaquePointer) -> Int? {
        guard let info = gpiod_chip_get_info(chip) else { return nil }
        defer { gpiod_chip_info_free(info) }
        return gpiod_chip_info_get_num_lines(info)
    }

    private func names(_ indices: [Int]) -> String { indices.map { lines[$0].name }.joined(separator: ",") }

    private func names(of request: ChipRequest) -> String { names(request.indexByOffset.values.sorted()) }

    // MARK: Finding a chip

    /// Opens a chip the way the board file names it, as libgpiod 1's `gpiod_chip_open_lookup`
    /// did (v2 opens paths only): a path, a number (`1` → `/dev/gpiochip1`), a device name
    /// (`gpiochip1`), or a label (`pinctrl-bcm2835`) searched among `/dev/gpiochip*`.
    static func open(chip: String) throws(GPIOError) -> OpaquePointer {
        let path: String? =
            if chip.hasPrefix("/") { chip }
            else if !chip.isEmpty && chip.allSatisfy(\.isASCIIDigit) { "/dev/gpiochip" + chip }
            else if chip.hasPrefix("gpiochip") && access("/dev/" + chip, F_OK) == 0 { "/dev/" + chip }
            else { nil }
        if let path {
            guard let handle = gpiod_chip_open(path) else {
                throw GPIOError.openingChip(chip, failed: .current("gpiod_chip_open", subject: path))
            }
            return handle
        }
        return try open(label: chip)
    }

    /// The chip whose label is `label`, among the GPIO chips in /dev.
    private static func open(label: String) throws(GPIOError) -> OpaquePointer {
        var unopened: SystemError?
        for path in chipDevices() {
            guard let handle = gpiod_chip_open(path) else {
                if unopened == nil { unopened = .current("gpiod_chip_open", subject: path) }
                continue
            }
            if let info = gpiod_chip_get_info(handle) {
                let matches = gpiod_chip_info_get_label(info).map { String(cString: $0) == label } ?? false
                gpiod_chip_info_free(info)
                if matches { return handle }
            }
            gpiod_chip_close(handle)
        }
        // No chip has that label; one that could not be opened might have had it.
        if let unopened { throw GPIOError.chipUnavailable(chip: label, cause: unopened) }
        throw GPIOError.noSuchChip(chip: label)
    }

    /// `/dev/gpiochip*`, in name order.
    private static func chipDevices() -> [String] {
        guard let directory = opendir("/dev") else { return [] }
        defer { closedir(directory) }
        var paths: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("gpiochip"), gpiod_is_gpiochip_device("/dev/" + name) { paths.append("/dev/" + name) }
        }
        return paths.sorted()
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
#endif
