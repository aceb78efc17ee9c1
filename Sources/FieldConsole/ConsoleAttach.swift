import FieldSystem

/// `fieldgate console`: attaches the user's terminal to the gateway's console socket, so an SSH
/// user gets the same session as the serial port. The local terminal is in raw mode while
/// attached (keys go to the gateway's line editor as typed) and restored afterwards. Input from a
/// pipe works too: at its end the socket is half-closed and the output is read to the end.
package enum ConsoleAttach {
    /// Connects to `socketPath` and relays standard input and output; returns the exit status.
    package static func run(socketPath: String) -> Int32 {
        run(socketPath: socketPath, input: 0, output: 1, messages: 2)
    }

    /// Connects to `socketPath` and relays `input` → socket → `output`.
    /// - Returns: 0 when the gateway ended the session, 1 when the socket cannot be reached or an
    ///   I/O error cut the session (the reason goes to `messages`).
    package static func run(socketPath: String, input: Int32, output: Int32, messages: Int32) -> Int32 {
        let socket: FileDescriptor
        do {
            socket = try FileDescriptor.unixConnection(path: socketPath)
        } catch {
            let e = ConsoleIOError(function: error.function, errno: error.code, terminal: socketPath)
            put("fieldgate console: \(e)\n  is the gateway running with this state directory? (--state-dir DIR, or "
                + "FIELDGATE_STATE_DIR; for make demo: source .demo/env)\n", to: messages)
            return 1
        }
        defer { try? socket.close() }
        let raw = LocalTerminalAttributes.raw(input)
        defer { raw.restore() }
        if let e = relay(socket: socket, input: input, output: output) {
            put("\r\nfieldgate console: \(e)\r\n", to: messages)
            return 1
        }
        return 0
    }

    /// Copies bytes both ways until the socket closes; nil when it closed normally.
    static func relay(socket: FileDescriptor, input: Int32, output: Int32) -> ConsoleIOError? {
        let input = FileDescriptor(rawValue: input), output = FileDescriptor(rawValue: output)
        var inputOpen = true
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var set = [FileDescriptor.PollRequest(socket), FileDescriptor.PollRequest(inputOpen ? input : FileDescriptor(rawValue: -1))]
            do throws(SystemError) {
                _ = try FileDescriptor.poll(&set, timeout: nil)
            } catch {
                return ConsoleIOError(function: "poll", errno: error.code, terminal: "console socket")
            }
            if !set[0].returned.isEmpty {
                let n: Int
                do throws(SystemError) {
                    n = try socket.read(into: &buffer)
                } catch where error.code == SystemError.Code.connectionReset {
                    return nil
                } catch where error.isWouldBlock {
                    continue
                } catch {
                    return ConsoleIOError(function: "read", errno: error.code, terminal: "console socket")
                }
                if n == 0 { return nil }
                if let e = writeAll(output, buffer[0..<n], name: "output") { return e }
            }
            if inputOpen && !set[1].returned.isEmpty {
                let n: Int
                do throws(SystemError) {
                    n = try input.read(into: &buffer)
                } catch where error.isWouldBlock {
                    continue
                } catch {
                    n = -1
                }
                if n <= 0 {
                    inputOpen = false
                    socket.shutdown(.writing)
                    continue
                }
                if let e = writeAll(socket, buffer[0..<n], name: "console socket") { return e }
            }
        }
    }

    private static func writeAll(_ fd: FileDescriptor, _ bytes: ArraySlice<UInt8>, name: String) -> ConsoleIOError? {
        do {
            try fd.writeAll(bytes)
            return nil
        } catch {
            return ConsoleIOError(function: "write", errno: error.code, terminal: name)
        }
    }

    private static func put(_ text: String, to fd: Int32) {
        _ = writeAll(FileDescriptor(rawValue: fd), Array(text.utf8)[...], name: "messages")
    }
}
