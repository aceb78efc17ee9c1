/// One key press (or terminal report) decoded from the bytes a terminal sends.
package enum Key: Hashable, Sendable {
    /// A printable character (control characters never come as text).
    case text(Unicode.Scalar)
    /// CR, LF or CRLF (picocom and minicom send CR, some clients LF, telnet-like ones CRLF).
    case enter
    /// BS (0x08) or DEL (0x7F): terminals send either for the backspace key.
    case backspace
    /// The Delete key (`ESC [ 3 ~`).
    case delete
    case left, right, up, down, home, end
    case tab
    /// A control key not named above, by its byte (Ctrl-A is 0x01 … Ctrl-Z is 0x1A).
    case control(UInt8)
    /// A lone Escape, or Escape followed by something that is no sequence.
    case escape
    /// The terminal's answer to a cursor position query (`ESC [ row ; column R`).
    case cursorReport(row: Int, column: Int)
    /// An escape sequence this console does not use (function keys, page up, …): ignored.
    case ignored
    /// Bytes that are not UTF-8: refused with a bell.
    case invalidText
}

/// Turns the bytes a terminal sends into keys. Escape sequences and UTF-8 characters may arrive
/// split across reads at any byte: the decoder keeps the unfinished part (at most
/// `maximumPending` bytes) until the rest comes.
package struct KeyDecoder: Sendable {
    private enum State: Sendable {
        case ground
        case escape
        /// `ESC [` and the parameter bytes so far.
        case csi([UInt8])
        /// A sequence too long to be one we know: swallowed up to its final byte.
        case csiOverflow
        /// `ESC O`.
        case ss3
        /// A UTF-8 character with `remaining` continuation bytes still to come.
        case utf8(value: UInt32, remaining: Int, length: Int)
    }

    /// Longest parameter string kept for a CSI sequence (`ESC [ 9999 ; 9999 R` is 9 bytes).
    package static let maximumPending = 16

    private var state = State.ground
    private var lastWasCR = false

    package init() {}

    /// Bytes held for an unfinished sequence or character.
    package var pendingByteCount: Int {
        switch state {
        case .ground: 0
        case .escape, .csiOverflow: 1
        case .csi(let p): 2 + p.count
        case .ss3: 2
        case .utf8(_, let remaining, let length): length - remaining
        }
    }

    /// Decodes one byte; returns the keys it completes (none, one, or two when a broken sequence
    /// gives way to the byte that broke it).
    package mutating func decode(_ byte: UInt8) -> [Key] {
        var keys: [Key] = []
        decode(byte, into: &keys)
        return keys
    }

    /// Decodes bytes in order, appending the keys they complete.
    package mutating func decode(_ bytes: some Sequence<UInt8>, into keys: inout [Key]) {
        for b in bytes { decode(b, into: &keys) }
    }

    /// Ends an unfinished sequence after the terminal went quiet: a lone ESC becomes `.escape`,
    /// a half sequence or character is dropped.
    package mutating func flush() -> Key? {
        defer { state = .ground }
        switch state {
        case .ground: return nil
        case .escape: return .escape
        case .csi, .csiOverflow, .ss3: return .ignored
        case .utf8: return .invalidText
        }
    }

    private mutating func decode(_ b: UInt8, into keys: inout [Key]) {
        let wasCR = lastWasCR
        lastWasCR = false
        switch state {
        case .ground:
            ground(b, afterCR: wasCR, into: &keys)
        case .escape:
            switch b {
            case UInt8(ascii: "["): state = .csi([])
            case UInt8(ascii: "O"): state = .ss3
            case 0x1B: keys.append(.escape)
            default:
                keys.append(.escape)
                state = .ground
                ground(b, afterCR: false, into: &keys)
            }
        case .csi(var params):
            switch b {
            case 0x30...0x3F, 0x20...0x2F:
                if params.count >= Self.maximumPending {
                    state = .csiOverflow
                } else {
                    params.append(b)
                    state = .csi(params)
                }
            case 0x40...0x7E:
                state = .ground
                keys.append(Self.csiKey(params: params, final: b))
            default:
                state = .ground
                keys.append(.ignored)
                ground(b, afterCR: false, into: &keys)
            }
        case .csiOverflow:
            switch b {
            case 0x20...0x3F: break
            case 0x40...0x7E:
                state = .ground
                keys.append(.ignored)
            default:
                state = .ground
                keys.append(.ignored)
                ground(b, afterCR: false, into: &keys)
            }
        case .ss3:
            state = .ground
            switch b {
            case UInt8(ascii: "A"): keys.append(.up)
            case UInt8(ascii: "B"): keys.append(.down)
            case UInt8(ascii: "C"): keys.append(.right)
            case UInt8(ascii: "D"): keys.append(.left)
            case UInt8(ascii: "H"): keys.append(.home)
            case UInt8(ascii: "F"): keys.append(.end)
            case 0x40...0x7E: keys.append(.ignored)
            default:
                keys.append(.ignored)
                ground(b, afterCR: false, into: &keys)
            }
        case .utf8(let value, let remaining, let length):
            guard b & 0xC0 == 0x80 else {
                state = .ground
                keys.append(.invalidText)
                ground(b, afterCR: false, into: &keys)
                return
            }
            let v = value << 6 | UInt32(b & 0x3F)
            if remaining > 1 {
                state = .utf8(value: v, remaining: remaining - 1, length: length)
                return
            }
            state = .ground
            let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            if v >= minimum, let scalar = Unicode.Scalar(v), !(0x80...0x9F).contains(v) {
                keys.append(.text(scalar))
            } else {
                keys.append(.invalidText)
            }
        }
    }

    private mutating func ground(_ b: UInt8, afterCR: Bool, into keys: inout [Key]) {
        switch b {
        case 0x0D:
            lastWasCR = true
            keys.append(.enter)
        case 0x0A, 0x00:
            // LF after CR (CRLF) and NUL after CR (telnet's CR NUL) belong to that Enter.
            if !afterCR { keys.append(b == 0x0A ? .enter : .control(0)) }
        case 0x08, 0x7F: keys.append(.backspace)
        case 0x09: keys.append(.tab)
        case 0x1B: state = .escape
        case 0x01...0x1F: keys.append(.control(b))
        case 0x20...0x7E: keys.append(.text(Unicode.Scalar(b)))
        case 0xC2...0xDF: state = .utf8(value: UInt32(b & 0x1F), remaining: 1, length: 2)
        case 0xE0...0xEF: state = .utf8(value: UInt32(b & 0x0F), remaining: 2, length: 3)
        case 0xF0...0xF4: state = .utf8(value: UInt32(b & 0x07), remaining: 3, length: 4)
        default: keys.append(.invalidText)
        }
    }

    private static func csiKey(params: [UInt8], final: UInt8) -> Key {
        let text = String(decoding: params, as: UTF8.self)
        let numbers = text.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return .right
        case UInt8(ascii: "D"): return .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "R"):
            if numbers.count == 2, let row = numbers[0], let column = numbers[1] {
                return .cursorReport(row: row, column: column)
            }
            return .ignored
        case UInt8(ascii: "~"):
            switch numbers.first ?? nil {
            case 1, 7: return .home
            case 4, 8: return .end
            case 3: return .delete
            default: return .ignored
            }
        default: return .ignored
        }
    }
}
