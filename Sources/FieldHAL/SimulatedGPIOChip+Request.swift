/// One request on a `SimulatedGPIOChip`: the driver under `GPIOLines`, and what
/// `GPIOSocketServer` holds for each connected client.
final class SimulatedGPIORequest: GPIOLineDriver {
    let chip: SimulatedGPIOChip
    let id: Int
    let lines: [GPIOLineConfig]
    private let offsets: [Int]
    private let wakeUp: FileDescriptor.WakeUp

    init(chip: SimulatedGPIOChip, id: Int, lines: [GPIOLineConfig], offsets: [Int], wakeUp: FileDescriptor.WakeUp) {
        self.chip = chip
        self.id = id
        self.lines = lines
        self.offsets = offsets
        self.wakeUp = wakeUp
    }

    var pollDescriptors: [FileDescriptor] { [wakeUp.descriptor] }

    func readRawEdges() throws(GPIOError) -> [GPIORawEdge] {
        wakeUp.drain()
        return chip.takeRawEdges(request: id)
    }

    func value(at index: Int) throws(GPIOError) -> Bool {
        chip.logicalValue(offset: offsets[index], activeLow: lines[index].activeLow)
    }

    func setValue(_ value: Bool, at index: Int) throws(GPIOError) {
        guard lines[index].direction == .output else {
            throw GPIOError.directionMismatch(line: lines[index].name, direction: lines[index].direction)
        }
        chip.setLogicalValue(value, offset: offsets[index], activeLow: lines[index].activeLow)
    }

    func release() {
        chip.release(request: id)
    }
}
