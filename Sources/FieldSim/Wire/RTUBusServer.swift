#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldDevices
import FieldHAL
import Synchronization

/// One simulated RS-485 bus: a pseudo-terminal whose tty end the gateway opens like a serial port
/// (through a stable symlink such as `${FIELDSIM_DIR}/rs485-1`), with any number of devices on it
/// by unit address (1–247), each answering only its own address. Broadcasts (unit 0) are applied
/// by every device and answered by none; a request with a bad CRC, or for an address nobody has,
/// gets silence — all as on a real multi-drop line. Answers are paced at the line's character
/// rate (`RTUPacing`), which can be changed or turned off while the bus runs.
///
/// Readiness: when `start` returns, the pty and the link exist and requests are answered.
/// `stop` joins the bus's thread, closes the pty and removes the link.
package final class RTUBusServer: SimulatedBus {
    /// The site's bus name, e.g. `rs485-1`.
    package let name: String
    /// Baud rate and framing, for the character time and t3.5.
    package let link: RTULink
    /// Where the symlink to the pty goes, if asked for.
    package let linkPath: String?
    package let faults = WireFaults()
    let directory: UnitDirectory
    let counters = WireCounters()
    private let pacingSetting: Mutex<RTUPacing>
    private let state = Mutex<BusState>(.idle)

    private enum BusState {
        case idle
        case running(pty: PseudoTerminal, thread: WorkerThread, wake: FileDescriptor.WakeUp, stopping: StopFlag)
        case stopped
    }

    /// - Parameters:
    ///   - linkPath: a stable path the gateway opens (a symlink to the pty is made there on
    ///     `start`, replacing a stale one); nil for none (use `devicePath`).
    package init(name: String, link: RTULink, linkPath: String? = nil, pacing: RTUPacing = RTUPacing()) {
        self.name = name
        self.link = link
        self.linkPath = linkPath
        pacingSetting = Mutex(pacing)
        directory = UnitDirectory(bus: name, allowed: UInt8(ModbusLimits.deviceUnits.lowerBound)...UInt8(ModbusLimits.deviceUnits.upperBound))
    }

    deinit { stop() }

    /// The pacing in force.
    package var pacing: RTUPacing { pacingSetting.withLock { $0 } }

    /// Changes the pacing from the next answer on.
    package func setPacing(_ pacing: RTUPacing) {
        pacingSetting.withLock { $0 = pacing }
    }

    /// The pty's tty path (`/dev/pts/N`) while the bus runs.
    package var slavePath: String? {
        state.withLock { s in
            if case .running(let pty, _, _, _) = s { return pty.slavePath }
            return nil
        }
    }

    /// What a master opens: the link if one was asked for, else the tty; nil before `start`.
    package var devicePath: String? { slavePath.map { linkPath ?? $0 } }

    /// What the bus has seen since it was made.
    package var statistics: WireStatistics { counters.snapshot }

    package var units: [UInt8] { directory.all.map(\.address) }

    @discardableResult
    package func attach(_ bank: RegisterBank, unit: UInt8, faults: WireFaults) throws(SimWireError) -> WireFaults {
        try directory.attach(bank, unit: unit, faults: faults)
        return faults
    }

    package func detach(unit: UInt8) { directory.detach(unit) }
    package func bank(unit: UInt8) -> RegisterBank? { directory[unit]?.bank }
    package func faults(unit: UInt8) -> WireFaults? { directory[unit]?.faults }

    /// Opens the pty, makes the link and starts answering on the bus's own thread. Calling it
    /// again while the bus runs does nothing; a stopped bus cannot be started again.
    ///
    /// - Throws: `.system` from openpty, symlink (`EEXIST` when something other than a symlink
    ///   is at `linkPath`), or the thread.
    package func start() throws(SimWireError) {
        try state.withLock { (s: inout BusState) throws(SimWireError) in
            switch s {
            case .running: return
            case .stopped: preconditionFailure("\(name): a stopped RTUBusServer cannot be started again")
            case .idle: break
            }
            do throws(SystemError) {
                let settings = (try? SerialSettings(baud: link.baud, stopBits: link.stopBits)) ?? .console
                let pty = try PseudoTerminal(settings: settings, linkPath: linkPath)
                do throws(SystemError) {
                    try pty.master.setNonBlocking(true)
                    let wake = try FileDescriptor.WakeUp()
                    let stopping = StopFlag()
                    let thread = try WorkerThread.start("sim-\(name)") { [self] in
                        RTUBusLoop(bus: self, master: pty.master, wake: wake, stopping: stopping).run()
                    }
                    s = .running(pty: pty, thread: thread, wake: wake, stopping: stopping)
                } catch {
                    pty.close()
                    throw error
                }
            } catch {
                throw .system(bus: name, error)
            }
        }
    }

    /// Stops answering, joins the bus's thread, closes the pty and removes the link. Calling it
    /// again does nothing.
    package func stop() {
        let previous = state.withLock { s in
            defer { s = .stopped }
            return s
        }
        guard case .running(let pty, let thread, let wake, let stopping) = previous else { return }
        stopping.raise()
        wake.signal()
        thread.join()
        pty.close()
    }
}
