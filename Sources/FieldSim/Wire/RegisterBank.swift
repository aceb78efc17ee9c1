import FieldCore
import FieldDevices
import Synchronization

/// The registers one simulated Modbus device serves: its coils, discrete inputs, holding and input
/// registers, laid out by its `DeviceProfile` (the profile's points plus the registers its commands
/// write).
///
/// The device model sets and reads values by point name through the profile's codecs (type, word
/// order, scale, offset); the Modbus servers (`RTUBusServer`, `ModbusTCPServer`) answer requests
/// from it with a real device's exception semantics (see `respond(toPDU:)`), and tell the model
/// when a master wrote something (`onGatewayWrite`). All methods are safe from any thread: one
/// lock guards the values, and each request or `set` is applied as a whole.
package final class RegisterBank: Sendable {
    package let profile: DeviceProfile
    let map: RegisterMap
    private let storage: Mutex<RegisterStorage>
    private let observer = Mutex<(@Sendable (GatewayWrite) -> Void)?>(nil)

    /// A bank with every value 0.
    ///
    /// - Parameters:
    ///   - gaps: what reads of addresses between points get, in every table; nil takes it per
    ///     table from the profile's read limits (`RegisterGaps(profile:table:)`).
    package init(profile: DeviceProfile, gaps: RegisterGaps? = nil) {
        self.profile = profile
        map = RegisterMap(profile: profile, gaps: gaps)
        storage = Mutex(RegisterStorage(map))
    }

    /// A bank for another device of the same model: it shares `other`'s (immutable) register map,
    /// which saves memory in a fleet of thousands, and starts with every value 0.
    package init(sameModelAs other: RegisterBank) {
        profile = other.profile
        map = other.map
        storage = Mutex(RegisterStorage(map))
    }

    /// Every point name the bank serves: the profile's points, then command registers such as
    /// `holding@256`.
    package var pointNames: [String] { map.points.map(\.name) }

    /// The addresses the device answers for in `table` (empty when it has none there).
    package func addresses(_ table: RegisterTable) -> Range<Int> {
        let t = map.table(table)
        return t.start..<(t.start + t.count)
    }

    // MARK: Model side

    /// Sets a point to a value given in the point's `unit` (for a 4–20 mA loop point: mA),
    /// encoded with its codec. Neither access nor `range` is checked: a model may hold a
    /// read-only value, or one out of range to simulate a fault.
    ///
    /// - Throws: `.unknownPoint`, or `.codec` when the value is of the wrong kind or does not fit
    ///   the point's type.
    package func set(_ point: String, to value: PointValue) throws(RegisterBankError) {
        try set([point: value])
    }

    /// Sets several points at once: a master never reads a mix of old and new values.
    ///
    /// - Throws: as `set(_:to:)`; nothing is changed when any value fails.
    package func set(_ values: [String: PointValue]) throws(RegisterBankError) {
        var encoded: [(PointSpec, EncodedValue)] = []
        encoded.reserveCapacity(values.count)
        for (name, value) in values {
            let spec = try point(name)
            do {
                encoded.append((spec, try spec.encode(value)))
            } catch {
                throw .codec(error)
            }
        }
        storage.withLock { s in
            for (spec, value) in encoded { s.store(value, for: spec, map) }
        }
    }

    /// A point's value in its `unit`, decoded with its codec from what the registers hold now.
    ///
    /// - Throws: `.unknownPoint`.
    package func get(_ name: String) throws(RegisterBankError) -> PointValue {
        let spec = try point(name)
        return storage.withLock { s in s.value(of: spec, map) }
    }

    /// Raw 16-bit registers of a register table (holding or input).
    ///
    /// - Throws: `.outsideMap` when the range leaves the addresses the device serves there.
    package func registers(_ table: RegisterTable, at address: Int, count: Int) throws(RegisterBankError) -> [UInt16] {
        precondition(!table.isBitTable, "registers(\(table)): use bits(_:at:count:) for a bit table")
        let offset = try mapped(table, address, count)
        return storage.withLock { s in Array(s.words(table)[offset..<(offset + count)]) }
    }

    /// Stores raw 16-bit registers in a register table, as they go on the wire.
    ///
    /// - Throws: `.outsideMap` when the range leaves the addresses the device serves there.
    package func setRegisters(_ table: RegisterTable, at address: Int, _ values: [UInt16]) throws(RegisterBankError) {
        precondition(!table.isBitTable, "setRegisters(\(table)): use setBits(_:at:_:) for a bit table")
        let offset = try mapped(table, address, values.count)
        storage.withLock { s in s.setWords(table, at: offset, values) }
    }

    /// Raw coils or discrete inputs.
    ///
    /// - Throws: `.outsideMap` when the range leaves the addresses the device serves there.
    package func bits(_ table: RegisterTable, at address: Int, count: Int) throws(RegisterBankError) -> [Bool] {
        precondition(table.isBitTable, "bits(\(table)): use registers(_:at:count:) for a register table")
        let offset = try mapped(table, address, count)
        return storage.withLock { s in Array(s.flags(table)[offset..<(offset + count)]) }
    }

    /// Stores raw coils or discrete inputs.
    ///
    /// - Throws: `.outsideMap` when the range leaves the addresses the device serves there.
    package func setBits(_ table: RegisterTable, at address: Int, _ values: [Bool]) throws(RegisterBankError) {
        precondition(table.isBitTable, "setBits(\(table)): use setRegisters(_:at:_:) for a register table")
        let offset = try mapped(table, address, values.count)
        storage.withLock { s in s.setFlags(table, at: offset, values) }
    }

    /// Calls `observer` after every write a master makes over the wire, once the write is stored
    /// and before the device answers, on the server's thread: a lamp controller's model sees
    /// `switch` turn on before the gateway can read it back. Keep it short and do not wait in
    /// it; it may call `set`. Replaces any earlier observer; nil removes it.
    package func onGatewayWrite(_ observer: (@Sendable (GatewayWrite) -> Void)?) {
        self.observer.withLock { $0 = observer }
    }

    // MARK: Internals for the servers

    func point(_ name: String) throws(RegisterBankError) -> PointSpec {
        guard let spec = map.point(name) else { throw .unknownPoint(profile: profile.id, point: name) }
        return spec
    }

    private func mapped(_ table: RegisterTable, _ address: Int, _ count: Int) throws(RegisterBankError) -> Int {
        let t = map.table(table)
        guard t.contains(address, count) else {
            throw .outsideMap(profile: profile.id, table: table, address: address, count: count)
        }
        return address - t.start
    }

    func withStorage<R>(_ body: (inout RegisterStorage) -> R) -> R {
        storage.withLock { body(&$0) }
    }

    func report(_ write: GatewayWrite) {
        observer.withLock { $0 }?(write)
    }
}

/// A device's values, one array per table, indexed from the table's first served address.
struct RegisterStorage: Sendable {
    var coils: [Bool]
    var discrete: [Bool]
    var holding: [UInt16]
    var input: [UInt16]

    init(_ map: RegisterMap) {
        coils = Array(repeating: false, count: map.coils.count)
        discrete = Array(repeating: false, count: map.discrete.count)
        holding = Array(repeating: 0, count: map.holding.count)
        input = Array(repeating: 0, count: map.input.count)
    }

    func words(_ table: RegisterTable) -> [UInt16] { table == .holding ? holding : input }
    func flags(_ table: RegisterTable) -> [Bool] { table == .coil ? coils : discrete }

    mutating func setWords(_ table: RegisterTable, at offset: Int, _ values: [UInt16]) {
        if table == .holding {
            holding.replaceSubrange(offset..<(offset + values.count), with: values)
        } else {
            input.replaceSubrange(offset..<(offset + values.count), with: values)
        }
    }

    mutating func setFlags(_ table: RegisterTable, at offset: Int, _ values: [Bool]) {
        if table == .coil {
            coils.replaceSubrange(offset..<(offset + values.count), with: values)
        } else {
            discrete.replaceSubrange(offset..<(offset + values.count), with: values)
        }
    }

    mutating func store(_ value: EncodedValue, for spec: PointSpec, _ map: RegisterMap) {
        let offset = spec.address - map.table(spec.table).start
        switch value {
        case .coil(let b):
            setFlags(spec.table, at: offset, [b])
        case .registers(let r):
            setWords(spec.table, at: offset, r)
        case .field:
            setWords(spec.table, at: offset, [value.merged(into: words(spec.table)[offset])])
        }
    }

    func value(of spec: PointSpec, _ map: RegisterMap) -> PointValue {
        let offset = spec.address - map.table(spec.table).start
        if spec.table.isBitTable { return spec.decode(bit: flags(spec.table)[offset]) }
        return spec.decode(words(spec.table), at: offset)
    }
}
