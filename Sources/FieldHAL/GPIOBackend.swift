import FieldCore

/// A source of GPIO lines: libgpiod on a board (`GPIOLibgpiodBackend`), an in-memory chip in unit
/// tests (`SimulatedGPIOChip`), the simulator's Unix socket (`GPIOSocketBackend`).
///
/// All three hand out the same `GPIOLines`, which debounces in software and waits on many lines at
/// once, so a GPIO worker runs unchanged on a board, in a test and against `fieldsim`.
package protocol GPIOBackend: Sendable {
    /// Requests `lines` for consumer "fieldgate": all of them, or none and an error.
    ///
    /// Inputs with edge detection watch both edges (debounce follows the level) and report the
    /// edges their `edge` asks for; outputs start at their `initialValue`.
    /// - Throws: `GPIOError` naming the line, chip and offset that failed.
    func request(_ lines: [GPIOLineConfig]) throws(GPIOError) -> GPIOLines
}

/// A level change as a backend saw it, before debounce.
struct GPIORawEdge: Hashable, Sendable {
    /// Index of the line in the request.
    var index: Int
    /// Logical level after the change (active-low already applied).
    var value: Bool
    /// When it happened (wall clock).
    var time: Timestamp
}

/// The backend-specific half of a request. `GPIOLines` owns it and serializes every call to it.
protocol GPIOLineDriver: AnyObject {
    /// Descriptors that become readable when raw edges are waiting (or the source failed).
    var pollDescriptors: [FileDescriptor] { get }
    /// The raw edges waiting now; never blocks.
    func readRawEdges() throws(GPIOError) -> [GPIORawEdge]
    /// The logical level of line `index` now.
    func value(at index: Int) throws(GPIOError) -> Bool
    /// Drives output line `index` to a logical level.
    func setValue(_ value: Bool, at index: Int) throws(GPIOError)
    /// Gives the lines back and closes the descriptors; called exactly once.
    func release()
    /// Lines the kernel debounces (libgpiod 2): their edges arrive settled, stamped with the time
    /// the level settled, and the software debounce leaves them alone.
    var debouncedByKernel: Set<Int> { get }
}

extension GPIOLineDriver {
    var debouncedByKernel: Set<Int> { [] }
}
