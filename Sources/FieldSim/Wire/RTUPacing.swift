/// How fast a simulated RTU bus answers: as a real RS-485 line at its baud rate, or at once.
///
/// With pacing on, an answer to a request of n characters that began arriving at t₀ starts at
/// t₀ + n × character time (the request's own time on the wire; a pty delivers it at once)
/// + t3.5 (the silence that tells the device the request has ended) + `turnaround` (the device
/// thinking), and its bytes leave one character time apart. A 9600-baud bus is then as slow as
/// in a pump room: the master's half of the limit (t3.5 before its next request) is the master's
/// job. Character time and t3.5 come from the bus's `RTULink` (baud, parity, stop bits).
package struct RTUPacing: Sendable, Hashable {
    /// Pace answers; false answers as soon as a request is complete.
    package var enabled: Bool
    /// From the end of t3.5 after the request to the first character of the answer. 5 ms by
    /// default, typical of small RS-485 sensors (they take from about 1 to 50 ms).
    package var turnaround: Duration

    package init(enabled: Bool = true, turnaround: Duration = .milliseconds(5)) {
        self.enabled = enabled
        self.turnaround = turnaround
    }

    /// Answers at once: fast tests, and buses whose timing does not matter.
    package static let off = RTUPacing(enabled: false, turnaround: .zero)
}
