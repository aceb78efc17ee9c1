import FieldCore
import FieldDevices
import Foundation
import Testing

@testable import FieldSim

/// Debian's `mbpoll`, a Modbus master written by someone else, reads the simulated pressure
/// transmitter (built-in profile `fg-pressure-tx`: MPa as f32 CDAB at input register 0) and gets
/// the value the simulator holds.
@Suite("mbpoll reads the simulated pressure transmitter")
struct WireMbpollTests {
    static let mbpoll = "/usr/bin/mbpoll"

    /// Runs mbpoll once for one f32 input register at PDU address 0 (mbpoll's default word order
    /// is low word first, CDAB) and returns the value it printed.
    static func readPressure(_ target: [String]) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mbpoll)
        process.arguments = ["-a", "1", "-t", "3:float", "-0", "-r", "0", "-c", "1", "-1", "-o", "2"] + target
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "mbpoll said:\n\(text)")
        // mbpoll prints `[0]: 	0.873` for reference 0.
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("[0]:") }, "mbpoll said:\n\(text)")
        return try #require(Double(line.dropFirst(4).trimmingCharacters(in: .whitespaces)), "mbpoll said:\n\(text)")
    }

    static func transmitter(pressure: Double) throws -> RegisterBank {
        let profile = try #require(BuiltinProfiles["fg-pressure-tx"])
        let bank = RegisterBank(profile: profile)
        try bank.set("pressure", to: .number(pressure))
        return bank
    }

    @Test("over Modbus TCP", .enabled(if: FileManager.default.isExecutableFile(atPath: mbpoll)))
    func tcp() throws {
        let server = ModbusTCPServer()
        defer { server.stop() }
        let listener = try server.listen()
        let bank = try Self.transmitter(pressure: 0.873)
        try listener.attach(bank, unit: 1)
        try server.start()
        let read = try Self.readPressure(["-m", "tcp", "-p", String(listener.port), "127.0.0.1"])
        #expect(Float(read) == Float(0.873))
        #expect(server.statistics.replies == 1)
    }

    @Test("over Modbus RTU on the paced 9600 8N1 pty bus", .enabled(if: FileManager.default.isExecutableFile(atPath: mbpoll)))
    func rtu() throws {
        let directory = try TemporaryDirectory()
        let bus = RTUBusServer(name: "rs485-1", link: RTULink(port: "rs485-1", baud: 9600), linkPath: directory.path + "/rs485-1")
        defer { bus.stop() }
        let bank = try Self.transmitter(pressure: 0.142)
        try bus.attach(bank, unit: 1)
        try bus.start()
        let read = try Self.readPressure(["-m", "rtu", "-b", "9600", "-d", "8", "-s", "1", "-P", "none", directory.path + "/rs485-1"])
        #expect(Float(read) == Float(0.142))
        #expect(bus.statistics.replies == 1)
    }
}
