import FieldCore
import FieldDevices
import FieldHAL
import FieldRuntime
import FieldSim
import Foundation

extension RuntimeBenchmark {
    struct RTUOptions {
        var devices = 8
        var registers = [10]
        var interval = Duration.milliseconds(50)
        var warmUp = 5.0
        var seconds = 20.0
        var fieldgate: String
    }

    /// Part 2: one paced 9600 8N1 RTU bus (the simulator's `RTUBusServer` on a pty, device
    /// turnaround 5 ms) with more polls scheduled than it can carry; how much of its physical
    /// capacity the gateway uses. A read of N registers costs (8 + 5 + 2N) characters + 2 × t3.5
    /// + the device's turnaround (DOMAIN.md), so the bus carries at most 1 / that per second;
    /// utilisation is the answered reads per second, counted by the simulator, ÷ that limit.
    static func rtu(_ o: RTUOptions) throws {
        let pacing = RTUPacing()
        let link = RTULink(port: "rs485-1", baud: 9600)
        let settings = ModbusRTUSettings(device: "", baud: link.baud)
        let wire = RTUWireTime(baud: link.baud, bitsPerCharacter: settings.bitsPerCharacter)
        print("fieldbench runtime rtu: fieldgate run (\(o.fieldgate)) on one paced 9600 8N1 RTU bus (simulator pty, device turnaround "
              + "\(milliseconds(pacing.turnaround))): \(o.devices) devices, each one read of N holding registers every \(formatDuration(o.interval))")
        print("limit = 1 / ((8 + 5 + 2N) characters + 2 × t3.5 + turnaround); character \(milliseconds(settings.characterTime)), t3.5 \(milliseconds(settings.frameGap))")
        print("utilisation = answered reads/s (simulator's count) ÷ limit; the gateway's own figure (BusStatistics.utilisation, "
              + "frames and gaps without the device's turnaround) beside it")
        print("")
        print("registers  scheduled/s  answered/s  limit/s  utilisation  gateway tx/s  gateway wire share  (same, computed)")
        for n in o.registers {
            let directory = try Waiting.temporaryDirectory(prefix: "fieldbench-rtu")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let profile = try DeviceProfile.parse(blockProfile(registers: n), source: "fieldbench runtime")
            let bus = RTUBusServer(name: "rtu-1", link: link, linkPath: directory + "/rs485-1", pacing: pacing)
            defer { bus.stop() }
            for unit in 1...o.devices { try bus.attach(RegisterBank(profile: profile), unit: UInt8(unit)) }
            try bus.start()
            let devices = (1...o.devices).map { #"{"id": "dev-\#($0)", "profile": "bench-\#(n)", "bus": "rtu-1", "address": \#($0), "poll": "\#(formatDuration(o.interval))"}"# }
            let site = """
                {"site": {"id": "bench-rtu"}, "board": "sim", "profiles": [\(blockProfile(registers: n))],
                 "buses": [{"name": "rtu-1", "type": "rtu", "port": "rs485-1", "baud": \(link.baud)}],
                 "devices": [\(devices.joined(separator: ",\n  "))]}
                """
            let gateway = try GatewayUnderTest(site: site, directory: directory, fieldgate: o.fieldgate)
            defer { gateway.stop() }
            usleep(useconds_t(o.warmUp * 1e6))
            let before = bus.statistics
            let start = monotonicNanoseconds()
            usleep(useconds_t(o.seconds * 1e6))
            // The gateway's own figures are over its last window of about 5 s.
            let buses = try gateway.call(["op": "buses"]).arrayValue ?? []
            let after = bus.statistics
            let elapsed = Double(monotonicNanoseconds() - start) / 1e9
            let answered = Double(after.replies - before.replies) / elapsed
            let limit = 1 / inSeconds(settings.readTime(registers: n, turnaround: pacing.turnaround))
            let own = buses.first { $0["name"] == "rtu-1" }
            let wireShare = answered * Double(wire.nanos(characters: RTUWireTime.readCharacters(count: n, bits: false))) / 1e9
            print(pad(String(n), 9) + pad(String(format: "%.1f", Double(o.devices) / inSeconds(o.interval)), 13)
                  + pad(String(format: "%.2f", answered), 12) + pad(String(format: "%.2f", limit), 9)
                  + pad(String(format: "%.1f %%", answered / limit * 100), 13)
                  + pad(String(format: "%.2f", own?["transactionsPerSecond"]?.numberValue ?? 0), 14)
                  + pad(String(format: "%.1f %%", (own?["utilisation"]?.numberValue ?? 0) * 100), 20)
                  + pad(String(format: "%.1f %%", wireShare * 100), 18))
            if after.badFrames > before.badFrames { print("  (\(after.badFrames - before.badFrames) bad frames on the wire)") }
        }
    }

    static func milliseconds(_ d: Duration) -> String { String(format: "%.3f ms", inSeconds(d) * 1000) }

    static func inSeconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func pad(_ s: String, _ width: Int) -> String { ModbusBenchmark.pad(s, width) }
}
