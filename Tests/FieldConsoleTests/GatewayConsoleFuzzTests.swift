import FieldCore
import Foundation
import Testing

/// Random bytes and overlong lines through the running gateway's console pty: the gateway keeps
/// running, its memory stays bounded, and nothing but a whole line ending in Enter is ever run.
@Suite struct GatewayConsoleFuzzTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed.
    struct Random {
        private var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Bytes a keyboard, a line-noise burst or a confused terminal might send: printable text,
    /// control keys, escape sequences cut anywhere, invalid UTF-8.
    static func burst(_ r: inout Random, count: Int, excluding excluded: Set<UInt8>) -> [UInt8] {
        let pieces: [[UInt8]] = [Array("\u{1B}[".utf8), Array("\u{1B}[3~".utf8), Array("\u{1B}O".utf8), Array("\u{1B}[1;5".utf8),
                                 Array("\u{1B}[99999999999999999999A".utf8), [0xE4, 0xB8], [0xFF, 0xFE], Array("模式".utf8), [0x09]]
        var out: [UInt8] = []
        while out.count < count {
            switch r.below(4) {
            case 0: out += pieces[r.below(pieces.count)]
            case 1: out.append(UInt8(32 + r.below(95)))
            default: out.append(r.byte())
            }
        }
        return out.filter { !excluded.contains($0) }
    }

    /// The gateway's resident memory, in kB.
    static func residentKilobytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// Waits until the console has worked through everything sent so far: a fresh line with a
    /// command whose answer is known comes back.
    static func caughtUp(_ rig: GatewayRig, _ c: GatewayTerminalClient) -> Bool {
        let mark = c.mark
        c.send([0x03, 0x15])
        c.type("whoami\r")
        return c.waitFor("tech (technician) on pty", from: mark, timeout: 180)
    }

    @Test func randomBytesAndOverlongLinesNeverCrashLeakOrRunAPartialLine() throws {
        let rig = try GatewayRig()
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))
        var random = Random(state: 0xF1E1_D6A7)
        let enterAndLogout: Set<UInt8> = [0x0D, 0x0A, 0x04]

        // Warm up, then measure: memory may settle, not grow with the input.
        for _ in 0..<10 {
            c.send(Self.burst(&random, count: 1000, excluding: enterAndLogout) + [0x03])
            c.settle(0.02)
        }
        #expect(Self.caughtUp(rig, c))
        let before = try #require(Self.residentKilobytes(rig.pid))

        // A dangerous command typed but never finished with Enter, buried in noise and an
        // overlong line, then dropped with Ctrl-C: it must not run.
        c.type("config set site.name PARTIAL")
        c.send(Self.burst(&random, count: 4000, excluding: enterAndLogout))
        c.send([UInt8](repeating: UInt8(ascii: "a"), count: 20_000))
        c.send([0x03, 0x15])
        for _ in 0..<60 {
            c.send(Self.burst(&random, count: 1000, excluding: enterAndLogout) + [0x03])
            c.settle(0.01)
        }
        #expect(Self.caughtUp(rig, c))
        #expect(rig.run(c, "config get site.name").joined().contains(#"site.name = "Pump room 7""#))
        #expect(rig.run(c, "config diff").contains("no pending changes"))
        let after = try #require(Self.residentKilobytes(rig.pid))
        #expect(after - before < 8 * 1024, "RSS went from \(before) kB to \(after) kB")
        print("console fuzz: gateway RSS \(before) kB before, \(after) kB after 60 kB of noise and a 20 kB line")

        // With Enter in the noise, whole lines of garbage run and fail harmlessly.
        for _ in 0..<30 {
            c.send(Self.burst(&random, count: 300, excluding: [0x04]) + [0x03, 0x0D])
            c.settle(0.01)
        }
        #expect(Self.caughtUp(rig, c))
        // At the login prompt, anything at all (the line locks after failed logins).
        c.send([0x03, 0x15])
        c.type("logout\r")
        for _ in 0..<30 {
            c.send(Self.burst(&random, count: 300, excluding: []))
            c.settle(0.01)
        }
        #expect(rig.gateway.isRunning, "the gateway survived: \(rig.gatewayLog.suffix(2000))")
        let check = try GatewayTerminalClient(socket: rig.consoleSocket)
        #expect(rig.login(check, as: "tech"))
        let audit = rig.run(check, "audit 200").joined(separator: "\n")
        #expect(!audit.contains("PARTIAL"))
        #expect(!audit.contains("config set"))
        #expect(!audit.contains("modbus write"))
    }
}
