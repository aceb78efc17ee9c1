import FieldCore

/// The device profiles that ship in the binary. They are JSON text, read and validated by
/// `DeviceProfile.read` exactly like a site's own `profiles`; a test reads every one. Their ids,
/// apps and point names are the contract of docs/architecture.md; their register maps are in
/// docs/register-maps.md.
package enum BuiltinProfiles {
    /// The JSON text of every built-in profile, in the order of docs/architecture.md.
    package static let sources: [String] = lampPole + fireWater + indoorAir + elevator + electricalFire

    /// Every built-in profile, read once on first use.
    package static let all: [DeviceProfile] = {
        do {
            return try load()
        } catch {
            // The texts are compiled in and a unit test reads each: failing here is a build defect.
            preconditionFailure("\(error)")
        }
    }()

    /// Every built-in profile by id (what `Site.read` takes as `builtins`).
    package static let byID: [String: DeviceProfile] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The built-in profile with this id.
    package static subscript(_ id: String) -> DeviceProfile? { byID[id] }

    /// Reads every built-in profile.
    /// - Throws: `ConfigError` naming the profile and every problem in it.
    package static func load() throws(ConfigError) -> [DeviceProfile] {
        try sources.enumerated().map { i, text throws(ConfigError) in
            try DeviceProfile.parse(text, source: "built-in profile #\(i)")
        }
    }

    /// Unit address and baud rate registers shared by Fieldgate's own device maps: holding
    /// 0x0100 (unit address 1–247) and 0x0101 (baud code).
    static func configCommands(address: Int = 0x0100, baudCodes: [(Int, Int)] = fieldgateBaudCodes) -> String {
        let choices = baudCodes.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
        return """
          {"name": "set-address", "role": "admin", "description": "Give the device a new unit address; it answers at the new address from the next request.",
           "parameters": [{"name": "address", "description": "new unit address", "range": [1, 247]}],
           "writes": [{"table": "holding", "address": \(address), "parameter": "address"}]},
          {"name": "set-baud", "role": "admin", "description": "Change the device's baud rate; it takes effect after a power cycle. Change the bus to match.",
           "parameters": [{"name": "baud", "unit": "bit/s", "choices": {\(choices)}}],
           "writes": [{"table": "holding", "address": \(address + 1), "parameter": "baud"}]}
        """
    }

    /// Baud codes of Fieldgate's own device maps: 0 = 2400 … 6 = 115200.
    static let fieldgateBaudCodes = [(2400, 0), (4800, 1), (9600, 2), (19200, 3), (38400, 4), (57600, 5), (115_200, 6)]
}
