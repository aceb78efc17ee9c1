import FieldCore
import FieldHAL
import FieldSim
import Foundation
import Testing

/// Issue 19: the console's changes take the platform's path (`GatewayCommand` through the
/// engine) and are answered after the device took them; a device that refuses is the answer on
/// the console, not a line in the log. The real gateway against the simulator, on the console pty.
@Suite struct GatewayConsoleCommandTests {
    func online(_ rig: GatewayRig, _ ids: [String]) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let devices = (try? LocalAPIClientForTests.call(rig.stateDirectory + "/fieldgate.sock", ["op": "devices"]).arrayValue) ?? []
            let up = Set(devices.filter { $0["online"]?.boolValue == true }.compactMap { $0["id"]?.stringValue })
            if ids.allSatisfy(up.contains) { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    /// What the simulated controller holds in its `dim` register now.
    func simulatedDim(_ rig: GatewayRig, _ id: String) -> JSONValue? {
        guard case .success(let shown) = rig.simulator.execute(.show(target: id)) else { return nil }
        return shown["values"]?["dim"]
    }

    @Test func lampsAndRawWritesAreAnsweredByTheDevice() throws {
        let rig = try GatewayRig()
        #expect(online(rig, ["lamp-1", "lamp-2"]))
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))

        // lamp-2 takes it: the line is printed once the controller holds the level.
        let taken = rig.run(c, "lamp lamp-2 dim 50 --for 1h").joined(separator: "\n")
        #expect(taken.contains("lamp-2: on, dim 50%, manual until"), "\(taken)")
        #expect(simulatedDim(rig, "lamp-2") == .number(50), "the controller holds \(String(describing: simulatedDim(rig, "lamp-2"))) when the console says so")
        // The lamp app checks its own limits, for the console as for the platform.
        let over = rig.run(c, "lamp lamp-2 dim 120").joined(separator: "\n")
        #expect(over.contains("error: lamp:") && over.contains("120"), "\(over)")

        // lamp-1 answers every request with exception 4: the console says what the device said.
        _ = rig.simulator.execute(.fault(target: "lamp-1", .wire(.exception(.serverDeviceFailure))))
        let refused = rig.run(c, "lamp lamp-1 dim 50").joined(separator: "\n")
        // The first of the app's writes to come back refused is the answer (dim, or a setting
        // the app restores at the same moment).
        #expect(unwrapped(refused).contains("error: lamp: writing lamp-1."), "\(refused)")
        #expect(unwrapped(refused).contains(": pole unit 1 write single register ") && unwrapped(refused).contains(": exception 0x04 server device failure"),
                "\(refused)")
        #expect(!refused.contains("dim 50%"), "no level is reported for a write the device refused")

        let mark = c.mark
        c.type("modbus write pole 1 6 0 30\r")
        #expect(c.waitFor("type yes to go on: ", from: mark))
        c.type("yes\r")
        #expect(c.waitFor("tech@pump-room-7> ", from: mark))
        let write = c.text(from: mark)
        #expect(unwrapped(write).contains("error: modbus write: pole unit 1 write single register 0+1: exception 0x04 server device failure"), "\(write)")
        #expect(!write.contains("written"))
    }
}
