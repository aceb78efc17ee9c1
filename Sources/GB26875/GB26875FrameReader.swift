import FieldCore

/// Cuts frames out of the byte stream from the centre. Bytes before a start mark are skipped
/// and reported; a frame with a bad checksum, end mark, command or time is reported and skipped
/// (the reader resynchronises on the next `@@`), so a hostile peer costs log lines, never a crash
/// or unbounded memory.
package struct GB26875FrameReader: Sendable {
    /// What one call to `next()` found.
    package enum Item: Sendable, Hashable {
        case frame(GB26875Frame)
        /// A problem with the stream, for the log; the reader has skipped the bytes in question.
        case problem(String)
    }

    /// Frames from a centre carry a confirm, a deny or a control command of a few bytes: a longer
    /// declared length is taken for garbage at once rather than waited for.
    package let maxData: Int
    private var buffer: [UInt8] = []

    package init(maxData: Int = 256) {
        self.maxData = maxData
    }

    package mutating func feed(_ bytes: [UInt8]) {
        buffer += bytes
    }

    /// The next frame or problem, nil when more bytes are needed.
    package mutating func next() -> Item? {
        guard !buffer.isEmpty else { return nil }
        guard let at = startIndex() else {
            // Keep a trailing "@" that may begin a start mark.
            let keep = buffer.last == 0x40 ? 1 : 0
            let skipped = buffer.count - keep
            buffer = keep == 1 ? [0x40] : []
            return skipped > 0 ? .problem("\(skipped) bytes outside any frame skipped") : nil
        }
        if at > 0 {
            buffer.removeFirst(at)
            return .problem("\(at) bytes before a frame's start mark skipped")
        }
        let header = 2 + 2 + 2 + 6 + 6 + 6 + 2 + 1
        guard buffer.count >= header else { return nil }
        let length = Int(buffer[24]) | Int(buffer[25]) << 8
        guard length <= maxData else {
            buffer.removeFirst(1)
            return .problem("frame declares \(length) data bytes (at most \(maxData) accepted): skipped")
        }
        let total = header + length + 1 + 2
        guard buffer.count >= total else { return nil }
        let item = decode(Array(buffer[0..<total]))
        // A frame that does not check out may have swallowed the start of a real one: only its
        // first byte is dropped, and the search for the next start mark begins right after it
        // (with "@@@", a stray "@" before a real frame's "@@", dropping both would cut the real one).
        if case .frame = item { buffer.removeFirst(total) } else { buffer.removeFirst(1) }
        return item
    }

    private func startIndex() -> Int? {
        guard buffer.count >= 2 else { return nil }
        for i in 0..<(buffer.count - 1) where buffer[i] == 0x40 && buffer[i + 1] == 0x40 { return i }
        return nil
    }

    private func decode(_ f: [UInt8]) -> Item {
        let n = f.count
        guard f[n - 2] == 0x23, f[n - 1] == 0x23 else { return .problem("frame without its end mark ## skipped") }
        let body = Array(f[2..<(n - 3)])
        let sum = GB26875Frame.checksum(body)
        guard sum == f[n - 3] else {
            return .problem("frame with checksum \(f[n - 3]) (computed \(sum)) skipped")
        }
        guard let command = GB26875Frame.Command(rawValue: f[26]) else {
            return .problem("frame with unknown command byte \(f[26]) skipped")
        }
        let t = CivilTime(year: 2000 + Int(f[11]), month: Int(f[10]), day: Int(f[9]), hour: Int(f[8]), minute: Int(f[7]), second: Int(f[6]))
        guard (1...12).contains(t.month), (1...31).contains(t.day), t.hour < 24, t.minute < 60, t.second < 60 else {
            return .problem("frame with an invalid time label \(Array(f[6..<12])) skipped")
        }
        return .frame(GB26875Frame(serial: UInt16(f[2]) | UInt16(f[3]) << 8, versionMajor: f[4], versionMinor: f[5], time: t,
                                   source: GB26875Address(bytes: Array(f[12..<18]))!, destination: GB26875Address(bytes: Array(f[18..<24]))!,
                                   command: command, data: Array(f[27..<(n - 3)])))
    }
}
