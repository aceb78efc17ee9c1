import FoundationEssentials

/// The simulator's GPIO socket protocol (docs/gpio-protocol.md): newline-delimited JSON over a
/// Unix stream socket, one connection per line request.
///
/// The client (`GPIOSocketBackend`, firmware) says `hello`, makes one `request`, then `set`s and
/// `get`s; the server (`GPIOSocketServer`, host) answers each with `ok` or `error` carrying the
/// same `id`, and pushes an `edge` for every raw change of a watched input as it happens.
/// Debounce stays on the client, as it would on a board.
enum GPIOSocketProtocol {
    static let version = 1

    /// The longest line either side accepts (bytes, newline excluded).
    static let maximumLineLength = 65_536

    /// The operations (`op`).
    enum Operation: String, Codable {
        case hello, request, set, get, ok, error, edge
    }

    /// Error codes (`code` of an `error`).
    enum ErrorCode: String, Codable {
        /// The client speaks another protocol version.
        case version
        /// Not JSON, an unknown `op`, a missing field, or `hello` not said first.
        case badRequest = "bad-request"
        /// No chip of that name or label on this server.
        case unknownChip = "unknown-chip"
        /// The chip has no line at that offset.
        case unknownLine = "unknown-line"
        /// Someone else holds the line.
        case busy
        /// `set` on an input.
        case direction
        /// `set`/`get` of a line this connection has not requested, or before `request`.
        case notRequested = "not-requested"
        /// A line configuration that cannot be requested (duplicate name, edge on an output...).
        case invalid
    }

    /// One line of a `request`.
    struct Line: Codable, Equatable {
        var name: String
        var chip: String
        var offset: Int
        var direction: String
        var edge: String
        var activeLow: Bool
        /// The logical value an output starts at.
        var value: Bool
    }

    /// Every message, both directions: the fields an `op` does not use are absent.
    struct Message: Codable, Equatable {
        var op: Operation
        var id: Int?
        var version: Int?
        var consumer: String?
        var chip: String?
        var label: String?
        /// `hello` reply: the chip's line names by offset.
        var names: [String]?
        var lines: [Line]?
        var line: String?
        var value: Bool?
        /// `ok` to a `request`: the logical level of each requested line, in request order.
        var values: [Bool]?
        /// `edge`: wall-clock milliseconds since the epoch of the change.
        var ts: Int64?
        var code: ErrorCode?
        var message: String?

        init(op: Operation, id: Int? = nil) {
            self.op = op
            self.id = id
        }
    }

    static func encode(_ message: Message) -> [UInt8] {
        // Encoding plain strings, numbers and booleans cannot fail.
        let data = (try? JSONEncoder().encode(message)) ?? Data()
        return Array(data) + [0x0A]
    }

    static func decode(_ line: ArraySlice<UInt8>) -> Message? {
        try? JSONDecoder().decode(Message.self, from: Data(line))
    }

    /// Splits a byte stream into lines.
    struct Framer {
        private var buffer: [UInt8] = []

        /// Adds received bytes and returns the complete lines they finish.
        ///
        /// - Returns: `nil` when a line grows past `maximumLineLength`: the peer is not speaking
        ///   this protocol.
        mutating func append(_ bytes: [UInt8]) -> [ArraySlice<UInt8>]? {
            buffer += bytes
            var lines: [ArraySlice<UInt8>] = []
            var start = buffer.startIndex
            while let newline = buffer[start...].firstIndex(of: 0x0A) {
                lines.append(buffer[start..<newline])
                start = newline + 1
            }
            buffer = Array(buffer[start...])
            guard buffer.count <= GPIOSocketProtocol.maximumLineLength else { return nil }
            return lines
        }
    }
}

extension GPIOError {
    /// The protocol's error code for this error, as the server sends it.
    var wireCode: GPIOSocketProtocol.ErrorCode {
        switch self {
        case .noSuchChip: .unknownChip
        case .noSuchLine: .unknownLine
        case .busy: .busy
        case .directionMismatch: .direction
        case .unknownLine: .notRequested
        default: .invalid
        }
    }

    /// The `message` of the server's error reply: what the client cannot rebuild from its own
    /// configuration.
    var wireDetail: String {
        switch self {
        case .busy(_, _, _, let detail): detail
        case .invalidConfig(_, let reason): reason
        default: description
        }
    }

    /// The line an error is about, if it names one.
    var lineName: String? {
        switch self {
        case .noSuchLine(let line, _, _), .busy(let line, _, _, _), .directionMismatch(let line, _),
             .invalidConfig(let line, _), .io(let line, _):
            line
        case .unknownLine(let name):
            name
        default:
            nil
        }
    }
}
