import FieldCore
import FieldHAL

/// A device model as data (DESIGN rule 4): its Modbus points, its GPIO signals and the commands
/// technicians and the platform may run on it. Built-in profiles and a site's own `profiles` are
/// read and validated by the same code (`DeviceProfile.read`).
package struct DeviceProfile: Sendable, Hashable {
    /// The profile id sites name in a device's `profile` (e.g. `fg-pressure-tx`).
    package var id: String
    package var family: DeviceFamily
    /// The `DeviceApp` that runs the device's domain logic ("lamp-head", "pressure", …); nil for a
    /// device whose points other devices' apps read (a CO2 sensor feeding an air terminal).
    package var app: String?
    package var description: String
    package var vendor: String
    package var model: String
    /// Serial defaults and read limits for the device's Modbus side.
    package var modbus: ModbusDefaults
    package var points: [PointSpec]
    package var signals: [SignalSpec]
    package var commands: [CommandSpec]

    package init(id: String, family: DeviceFamily, app: String? = nil, description: String = "", vendor: String = "",
                model: String = "", modbus: ModbusDefaults = ModbusDefaults(), points: [PointSpec] = [],
                signals: [SignalSpec] = [], commands: [CommandSpec] = []) {
        self.id = id
        self.family = family
        self.app = app
        self.description = description
        self.vendor = vendor
        self.model = model
        self.modbus = modbus
        self.points = points
        self.signals = signals
        self.commands = commands
    }

    /// True when the device has a Modbus side (a bus and slave address in the site file).
    package var usesModbus: Bool { !points.isEmpty }

    /// True when the device has GPIO signals (board line names in the site file).
    package var usesGPIO: Bool { !signals.isEmpty }

    package func point(_ name: String) -> PointSpec? { points.first { $0.name == name } }
    package func pointIndex(_ name: String) -> Int? { points.firstIndex { $0.name == name } }
    package func signal(_ name: String) -> SignalSpec? { signals.first { $0.name == name } }
    package func command(_ name: String) -> CommandSpec? { commands.first { $0.name == name } }
}

/// The four device families of DESIGN.md, electrical fire monitoring (issue 20), plus `generic`
/// for anything else a site adds.
package enum DeviceFamily: String, Sendable, Hashable, CaseIterable {
    case lampPole = "lamp-pole"
    case fireWater = "fire-water"
    case indoorAir = "indoor-air"
    case elevator
    case electricalFire = "electrical-fire"
    case generic
}

/// Serial settings a device ships with, and how its Modbus side may be read. The console's
/// set-address and set-baud helpers start from these; a site's bus settings always win.
package struct ModbusDefaults: Sendable, Hashable {
    package enum Parity: String, Sendable, Hashable, CaseIterable {
        case none, even, odd
    }

    /// The factory slave address (1–247).
    package var unit: Int
    /// The factory baud rate (bit/s).
    package var baud: Int
    package var parity: Parity
    package var dataBits: Int
    package var stopBits: Int
    /// How far the read planner may coalesce this device's points.
    package var readLimits: ReadLimits

    package init(unit: Int = 1, baud: Int = 9600, parity: Parity = .none, dataBits: Int = 8, stopBits: Int = 1,
                readLimits: ReadLimits = ReadLimits()) {
        self.unit = unit
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
        self.readLimits = readLimits
    }
}

/// Limits the read planner keeps to when it coalesces points into requests.
///
/// A request costs about 13 characters of framing, two 3.5-character gaps and the device's
/// turnaround; a register read across a gap costs 2 characters. Bridging a gap of a few registers
/// is therefore cheaper than a second request — unless the device answers "illegal data address"
/// for registers it does not define, which is what `maxGap: 0` is for.
package struct ReadLimits: Sendable, Hashable {
    /// Most registers in one read (Modbus: 1–125).
    package var maxRegisters: Int
    /// Most coils or discrete inputs in one read (Modbus: 1–2000).
    package var maxBits: Int
    /// Most unused registers a read may span between two points.
    package var maxGap: Int
    /// Most unused coils or discrete inputs a read may span between two points.
    package var maxBitGap: Int

    package init(maxRegisters: Int = ModbusLimits.readRegisters, maxBits: Int = ModbusLimits.readBits, maxGap: Int = 8, maxBitGap: Int = 32) {
        self.maxRegisters = maxRegisters
        self.maxBits = maxBits
        self.maxGap = maxGap
        self.maxBitGap = maxBitGap
    }
}

extension DeviceProfile {
    /// The addresses of `table` the profile's points occupy, first to last (nil when none):
    /// the block a simulated device must hold.
    package func span(of table: RegisterTable) -> Range<Int>? {
        let inTable = points.filter { $0.table == table }
        guard let lo = inTable.map(\.address).min(), let hi = inTable.map(\.span.upperBound).max() else { return nil }
        return lo..<hi
    }
}
