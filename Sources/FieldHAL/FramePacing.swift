import FieldCore

/// When the next frame may start on a bus: the one place a Modbus master keeps frames apart.
///
/// After every transaction the line stays quiet for `gap` (t3.5 on a serial line, or the bus's
/// configured inter-frame delay; nothing on TCP unless configured); after a broadcast, which
/// nobody answers, until the frame has left the wire and every device has acted on it
/// (`broadcastTurnaround`). `ModbusClient` paces libmodbus with it and the embedded bus double
/// paces simulated time with it, so both keep the same spacing.
package struct FramePacing: Sendable, Hashable {
    /// Quiet time after each transaction, ns.
    package let gap: UInt64
    /// Quiet time after a broadcast, ns (the gap too, if longer).
    package private(set) var broadcastTurnaround: UInt64
    /// Monotonic ns before which the next frame may not start; 0 = at once.
    package private(set) var quietUntil: UInt64 = 0

    package init(gap: Duration, broadcastTurnaround: Duration) {
        self.gap = UInt64(clamping: max(0, gap.nanoseconds))
        self.broadcastTurnaround = UInt64(clamping: max(0, broadcastTurnaround.nanoseconds))
    }

    /// The pacing `settings` ask for: the configured inter-frame delay, else t3.5 on RTU and
    /// none on TCP; the timeouts' broadcast turnaround.
    package init(_ settings: ModbusSettings) {
        let gap: Duration
        switch settings.link {
        case .rtu(let rtu): gap = settings.interFrameDelay ?? rtu.frameGap
        case .tcp: gap = settings.interFrameDelay ?? .zero
        }
        self.init(gap: gap, broadcastTurnaround: settings.timeouts.broadcastTurnaround)
    }

    /// Changes the wait after broadcasts from the next one on (new timeouts in force).
    package mutating func setBroadcastTurnaround(_ d: Duration) {
        broadcastTurnaround = UInt64(clamping: max(0, d.nanoseconds))
    }

    /// A transaction (answered or failed) ended at `now`.
    package mutating func transactionEnded(at now: UInt64) {
        if gap > 0 { quietUntil = now + gap }
    }

    /// A broadcast was handed to the line at `now`; it takes `onWire` ns to leave it.
    package mutating func broadcastSent(at now: UInt64, onWire: UInt64) {
        quietUntil = now + onWire + max(gap, broadcastTurnaround)
    }

    /// Waits on `clock` until the next frame may start.
    package func waitForQuiet(on clock: some MonotonicClock) {
        if quietUntil != 0 { clock.sleep(until: quietUntil) }
    }
}
