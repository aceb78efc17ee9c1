/// Character and frame timing of a serial line (Modbus over Serial Line v1.02, section 2.5.1.1).
extension ModbusRTUSettings {
    /// Bits on the wire per character: start + data + parity + stop (10 for 8N1, 11 for 8E1).
    package var bitsPerCharacter: Int { 1 + dataBits + (parity == .none ? 0 : 1) + stopBits }

    /// Time to send one character.
    package var characterTime: Duration { .nanoseconds(Int64(bitsPerCharacter) * 1_000_000_000 / Int64(max(baud, 1))) }

    /// The silent interval that ends a frame (t3.5): 3.5 character times up to 19200 baud, fixed
    /// at 1.750 ms above. The client keeps at least this gap between frames.
    package var frameGap: Duration { baud > 19200 ? .microseconds(1750) : characterTime * 3.5 }

    /// The longest allowed silence inside a frame (t1.5): 1.5 character times up to 19200 baud,
    /// fixed at 0.750 ms above.
    package var interCharacterLimit: Duration { baud > 19200 ? .microseconds(750) : characterTime * 1.5 }

    /// The least time one read of `registers` holding or input registers occupies the line: the
    /// request (8 characters) and the answer (5 + 2 × registers), two frame gaps and the
    /// device's turnaround. Measured transactions per second divided by its inverse is the bus
    /// utilisation.
    ///
    /// - Parameters:
    ///   - registers: registers read, 1–125.
    ///   - turnaround: the device's time from the end of the request to its answer.
    package func readTime(registers: Int, turnaround: Duration = .zero) -> Duration {
        characterTime * (8 + 5 + 2 * registers) + frameGap * 2 + turnaround
    }
}
