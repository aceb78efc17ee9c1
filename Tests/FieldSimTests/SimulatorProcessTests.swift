import FieldCore
import FieldDevices
import FieldHAL
import Foundation
import Testing

@testable import FieldSim

/// `fieldsim run` as a process, seen from outside as the gateway sees it: `endpoints.json`, the
/// RTU bus through its pty link and the TCP endpoint through libmodbus (FieldHAL's
/// `ModbusClient`), the GPIO lines through `GPIOSocketBackend`, and the control socket.
@Suite("fieldsim run")
struct SimulatorProcessTests {
    static func site(port: Int) -> String {
        """
        {"site": {"id": "proc"}, "board": "sim",
         "buses": [{"name": "field", "type": "rtu", "port": "rs485-1", "baud": 19200, "parity": "E"},
                   {"name": "plant", "type": "tcp", "host": "127.0.0.1", "port": \(port)}],
         "devices": [
           {"id": "main-pt", "profile": "fg-pressure-tx", "bus": "field", "address": 1},
           {"id": "tank-1", "profile": "fg-level", "bus": "field", "address": 3, "settings": {"low": 1}},
           {"id": "far-pt", "profile": "fg-pressure-tx", "bus": "plant", "address": 5},
           {"id": "cabinet-1", "profile": "fg-pole-cabinet", "signals": {"door": "DI1", "water": "DI2", "cable-loop": "DI3", "manhole": "DI4"}}
         ]}
        """
    }

    static let pressure = BuiltinProfiles["fg-pressure-tx"]!.point("pressure")!

    @Test("endpoints.json, the pty, the TCP port and the GPIO socket serve what the models hold; SIGTERM cleans up")
    func runAsAProcess() throws {
        let dir = try ScratchDirectory()
        let port = try SimTest.freePort()
        let sitePath = dir.path + "/site.json"
        try Self.site(port: port).write(toFile: sitePath, atomically: true, encoding: .utf8)
        let simDir = dir.path + "/sim"
        let process = try ChildProcess(executable: try SimTest.executable("fieldsim"),
                                       arguments: ["run", "--site", sitePath, "--state-dir", simDir],
                                       environment: SimTest.environment, logPath: dir.path + "/fieldsim.log")
        defer { process.terminate() }
        try #require(Waiting.forFile(simDir + "/endpoints.json", timeout: .seconds(20)), "no endpoints.json:\n\(process.logTail())")
        let endpoints = try JSONDecoder().decode(SimulatorEndpoints.self, from: Data(contentsOf: URL(fileURLWithPath: simDir + "/endpoints.json")))
        #expect(endpoints.site == "proc" && endpoints.pid == process.pid)
        let rtu = try #require(endpoints.rtu.first)
        #expect(rtu.bus == "field" && rtu.path == simDir + "/rs485-1" && rtu.baud == 19200 && rtu.framing == "8E1" && rtu.units == [1, 3])
        #expect(rtu.pty.hasPrefix("/dev/pts/") && rtu.paced)
        #expect(endpoints.tcp == [SimulatorEndpoints.TCPEndpoint(bus: "plant", host: "127.0.0.1", port: port, units: [5])])
        #expect(endpoints.gpio?.socket == simDir + "/gpio.sock" && endpoints.gpio?.lines["DI1"] == 0)
        #expect(endpoints.control == simDir + "/control.sock")

        let control = try ControlClient(path: endpoints.control)
        _ = try control.call(.set(target: "main-pt.pressure", value: 0.4321))
        _ = try control.call(.set(target: "far-pt.pressure", value: 0.1234))

        let serial = try ModbusClient(ModbusSettings(bus: "field", link: .rtu(ModbusRTUSettings(device: rtu.path, baud: 19200, parity: .even)),
                                                     timeouts: ModbusTimeouts(response: .seconds(1))))
        let viaPty = try #require(Waiting.until(timeout: .seconds(5)) { () -> Double? in
            let v = (try? serial.readInputRegisters(unit: 1, address: 0, count: 2)).flatMap { Self.pressure.decode($0).number }
            return v.map { abs($0 - 0.4321) < 1e-4 } == true ? v : nil
        })
        #expect(abs(viaPty - 0.4321) < 1e-4)
        let level = try serial.readInputRegisters(unit: 3, address: 0, count: 1)
        let shown = try control.call(.show(target: "tank-1"))["values"]?["level"]?.numberValue
        #expect(shown.map { abs(Double(level[0]) / 1000 - $0) < 0.01 } == true, "the level the model holds: \(level) vs \(String(describing: shown))")

        let tcp = try ModbusClient(ModbusSettings(bus: "plant", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: port))))
        let viaTCP = try #require(Waiting.until(timeout: .seconds(5)) { () -> Double? in
            let v = (try? tcp.readInputRegisters(unit: 5, address: 0, count: 2)).flatMap { Self.pressure.decode($0).number }
            return v.map { abs($0 - 0.1234) < 1e-4 } == true ? v : nil
        })
        #expect(abs(viaTCP - 0.1234) < 1e-4)

        let gpio = try GPIOSocketBackend(socketPath: try #require(endpoints.gpio?.socket))
            .request([.input("DI1", chip: "fieldsim", offset: 0), .input("DI3", chip: "fieldsim", offset: 2)])
        defer { gpio.close() }
        #expect(try gpio.value(of: "DI1") == false, "cabinet door closed")
        #expect(try gpio.value(of: "DI3") == true, "cable loop intact")
        _ = try control.call(.action(target: "cabinet-1", action: "door", arguments: ["open"]))
        let edges = try gpio.waitForEvents(timeout: .seconds(5))
        #expect(edges.map(\.line) == ["DI1"])
        #expect(try gpio.value(of: "DI1") == true)

        #expect(process.terminate() == 0)
        for leftover in ["endpoints.json", "control.sock", "gpio.sock", "rs485-1"] {
            #expect(!FileManager.default.fileExists(atPath: simDir + "/" + leftover), "\(leftover) left behind")
        }
    }

    @Test("a bad site file is refused with its JSON paths, and nothing is left running")
    func badSite() throws {
        let dir = try ScratchDirectory()
        let sitePath = dir.path + "/site.json"
        try """
        {"site": {"id": "bad"}, "board": "sim", "buses": [{"name": "b", "type": "rtu", "port": "rs485-9"}],
         "devices": [{"id": "pt", "profile": "fg-presure-tx", "bus": "b", "address": 1}]}
        """.write(toFile: sitePath, atomically: true, encoding: .utf8)
        let process = try ChildProcess(executable: try SimTest.executable("fieldsim"),
                                       arguments: ["run", "--site", sitePath, "--state-dir", dir.path + "/sim"],
                                       environment: SimTest.environment, logPath: dir.path + "/fieldsim.log")
        #expect(process.waitForExit(timeout: .seconds(20)) == 1)
        let log = process.logTail()
        #expect(log.contains("devices[0].profile: unknown profile \"fg-presure-tx\" (did you mean \"fg-pressure-tx\"?)"), "\(log)")
    }
}
