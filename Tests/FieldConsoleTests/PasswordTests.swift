import FieldCore
import Foundation
import Testing
@testable import FieldConsole

@Suite struct PasswordTests {
    @Test(arguments: PasswordMethod.allCases)
    func hashRoundTripThroughLibcrypt(method: PasswordMethod) throws {
        let hash = try PasswordHasher.hash(SecretBytes(Array("correct horse".utf8)), method: method)
        #expect(hash.hasPrefix(method.rawValue))
        #expect(PasswordHasher.verify(SecretBytes(Array("correct horse".utf8)), against: hash))
        #expect(!PasswordHasher.verify(SecretBytes(Array("correct horsE".utf8)), against: hash))
        #expect(!PasswordHasher.verify(SecretBytes(Array("correct horse ".utf8)), against: hash))
        let again = try PasswordHasher.hash(SecretBytes(Array("correct horse".utf8)), method: method)
        #expect(again != hash, "each hash has its own salt")
    }

    @Test func knownSHA512CryptVector() {
        // From the SHA-crypt specification's test vectors (Drepper), rounds=5000 default.
        let hash = "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        #expect(PasswordHasher.verify(SecretBytes(Array("Hello world!".utf8)), against: hash))
    }

    @Test func weakMethodsAreRefusedEvenWithTheRightPassword() {
        // MD5 crypt of "plaintext" (openssl passwd -1 -salt abcdefgh plaintext) and DES crypt.
        #expect(!PasswordHasher.verify(SecretBytes(Array("plaintext".utf8)), against: "$1$abcdefgh$VaW7QAVmdWoVEHw9TedSA1"))
        #expect(!PasswordHasher.isUsableHash("$1$abcdefgh$VaW7QAVmdWoVEHw9TedSA1"))
        #expect(!PasswordHasher.isUsableHash("abJnggxhB/yWI"))
    }

    @Test func malformedHashesNeverMatch() {
        for bad in ["", "*", "!", "$y$", "plaintext", "$6$salt$", "$1$x$y"] {
            #expect(!PasswordHasher.verify(SecretBytes(Array("".utf8)), against: bad), "hash \(bad)")
            #expect(!PasswordHasher.verify(SecretBytes(Array("plaintext".utf8)), against: bad), "hash \(bad)")
        }
    }

    @Test func secretsWipeAndCompare() {
        let s = SecretBytes(capacity: 4)
        #expect(s.append(1) && s.append(2) && s.append(3) && s.append(4))
        #expect(!s.append(5))
        #expect(s.matches(SecretBytes([1, 2, 3, 4])))
        s.removeLastCharacter()
        #expect(s.matches(SecretBytes([1, 2, 3])))
        s.wipe()
        #expect(s.isEmpty)
    }

    /// `fieldgate passwd` with its input on a pipe: prints a hash that verifies.
    @Test func passwdToolPrintsAVerifiableHash() throws {
        let (status, out, err) = try runPasswd(input: "long enough pw\nlong enough pw\n")
        #expect(status == 0)
        let hash = out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(hash.hasPrefix("$y$"))
        #expect(PasswordHasher.verify(SecretBytes(Array("long enough pw".utf8)), against: hash))
        #expect(!err.contains("long enough"), "the password never appears in the output")
    }

    @Test func passwdToolRefusesMismatchShortAndBadArguments() throws {
        #expect(try runPasswd(input: "long enough pw\nlong enough pX\n").status == 1)
        #expect(try runPasswd(input: "short\nshort\n").status == 1)
        #expect(try runPasswd(input: "").status == 1)
        let bad = try runPasswd(input: "", arguments: ["--md5"])
        #expect(bad.status == 2)
        #expect(bad.err.contains("unknown option --md5"))
        let sha = try runPasswd(input: "long enough pw\rlong enough pw\r", arguments: ["--sha512"])
        #expect(sha.out.hasPrefix("$6$"))
    }

    private func runPasswd(input: String, arguments: [String] = []) throws -> (status: Int32, out: String, err: String) {
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
        let status = PasswdTool.run(arguments: arguments, input: inPipe.fileHandleForReading.fileDescriptor,
                                    output: outPipe.fileHandleForWriting.fileDescriptor, messages: errPipe.fileHandleForWriting.fileDescriptor)
        try outPipe.fileHandleForWriting.close()
        try errPipe.fileHandleForWriting.close()
        let out = String(decoding: outPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (status, out, err)
    }
}

@Suite struct LoginGuardTests {
    @Test func lockoutDoublesAndResets() {
        let g = LoginGuard(policy: .init(freeAttempts: 3, firstLockout: .seconds(30), longestLockout: .minutes(2)))
        let t0 = Timestamp(seconds: 1000)
        #expect(g.recordFailure(user: "alice", line: "ttyS1", now: t0) == nil)
        #expect(g.recordFailure(user: "alice", line: "ttyS1", now: t0) == nil)
        #expect(g.recordFailure(user: "alice", line: "ttyS1", now: t0)?.until == t0 + .seconds(30))
        #expect(g.lockout(user: "alice", line: "pty", now: t0 + .seconds(29))?.scope == "user")
        #expect(g.lockout(user: "bob", line: "ttyS1", now: t0 + .seconds(29))?.scope == "line")
        #expect(g.lockout(user: "alice", line: "ttyS1", now: t0 + .seconds(30)) == nil)
        #expect(g.recordFailure(user: "alice", line: "ttyS1", now: t0 + .seconds(31))?.until == t0 + .seconds(91))
        #expect(g.recordFailure(user: "alice", line: "ttyS1", now: t0 + .seconds(92))?.until == t0 + .seconds(212))
        #expect(g.recordFailure(user: "alice", line: "ttyS1", now: t0 + .seconds(213))?.until == t0 + .seconds(333), "capped at 2 min")
        g.recordSuccess(user: "alice", line: "ttyS1")
        #expect(g.lockout(user: "alice", line: "ttyS1", now: t0 + .seconds(214)) == nil)
        #expect(g.recordFailure(user: "alice", line: "ttyS1", now: t0 + .seconds(215)) == nil)
    }

    @Test func manyNamesStayBounded() {
        let g = LoginGuard(policy: .init(trackedNames: 32))
        for i in 0..<10_000 { g.recordFailure(user: "guess-\(i)", line: "socket", now: Timestamp(seconds: Double(i))) }
        #expect(g.trackedCount <= 32)
        #expect(g.lockout(user: nil, line: "socket", now: Timestamp(seconds: 10_000)) != nil, "the line stays locked")
    }
}
