import FieldCore
import FieldSystem

/// `fieldgate passwd`: reads a new password twice without echo and prints its crypt(3) hash for
/// the site config's `console.users[].hash`. The password is never stored or printed.
package enum PasswdTool {
    package static let usage = """
    usage: fieldgate passwd [--sha512]
      Reads a password twice without echo and prints its hash (yescrypt; SHA-512 crypt with --sha512)
      for the "hash" of a console user in the site config.
    """

    /// Runs the tool on standard input, output and error; returns the exit status.
    package static func run(arguments: [String]) -> Int32 {
        run(arguments: arguments, input: 0, output: 1, messages: 2)
    }

    /// Runs the tool on the given descriptors: prompts and errors go to `messages`, the hash to
    /// `output`. When `input` is a terminal its echo is off while the passwords are typed.
    /// - Returns: 0 with a hash printed, 1 when the passwords differ or hashing failed, 2 for a
    ///   usage error.
    package static func run(arguments: [String], input: Int32, output: Int32, messages: Int32) -> Int32 {
        let method: PasswordMethod
        do {
            let parsed = try ParsedArguments(arguments, valued: [], flags: ["sha512"])
            guard parsed.positionals.isEmpty else { throw UsageError("unexpected argument \"\(parsed.positionals[0])\"") }
            method = parsed.flags.contains("sha512") ? .sha512 : .yescrypt
        } catch {
            put("fieldgate passwd: \(error)\n\(usage)\n", to: messages)
            return 2
        }
        let echoOff = LocalTerminalAttributes.echoOff(input)
        defer { echoOff.restore() }
        put("new password: ", to: messages)
        guard let first = readSecretLine(input) else {
            put("\nfieldgate passwd: no password given\n", to: messages)
            return 1
        }
        put("\nnew password again: ", to: messages)
        guard let second = readSecretLine(input) else {
            put("\nfieldgate passwd: no password given\n", to: messages)
            return 1
        }
        put("\n", to: messages)
        guard first.matches(second) else {
            put("fieldgate passwd: the two passwords differ\n", to: messages)
            return 1
        }
        guard first.count >= minimumPasswordBytes else {
            put("fieldgate passwd: a password needs at least \(minimumPasswordBytes) characters\n", to: messages)
            return 1
        }
        do {
            put(try PasswordHasher.hash(first, method: method) + "\n", to: output)
            return 0
        } catch {
            put("fieldgate passwd: \(error)\n", to: messages)
            return 1
        }
    }

    /// Reads up to a newline into wiped memory; nil at end of input before any byte or when the
    /// line is longer than libcrypt accepts.
    private static func readSecretLine(_ fd: Int32) -> SecretBytes? {
        let secret = SecretBytes(capacity: 512)
        var byte: [UInt8] = [0]
        var sawAny = false
        var tooLong = false
        // One byte at a time: nothing past the newline is taken from the terminal.
        while let n = try? FileDescriptor(rawValue: fd).read(into: &byte), n > 0 {
            sawAny = true
            if byte[0] == 0x0A || byte[0] == 0x0D { break }
            if !secret.append(byte[0]) { tooLong = true }
        }
        byte[0] = 0
        guard sawAny, !tooLong else {
            secret.wipe()
            return nil
        }
        return secret
    }

    private static func put(_ text: String, to fd: Int32) { writeAll(fd, text) }
}
