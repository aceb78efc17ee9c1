import FieldCore

/// A physics parameter or state of a model that a person or a scenario may read and change
/// (`fieldsim ctl set lamp-1.wattage 250`): a lamp's rated power, a leak's flow, a room's
/// occupancy, a contact's state.
struct Knob {
    /// What `fieldsim ctl show` and docs/simulator.md list.
    struct Info: Sendable, Hashable {
        var name: String
        /// Engineering unit; empty for a state or a count.
        var unit: String
        var summary: String
    }

    var info: Info
    var get: () -> JSONValue
    var set: (JSONValue) throws(ControlError) -> Void

    /// A number kept within `range`.
    static func number<M: AnyObject>(_ name: String, of model: M, _ path: ReferenceWritableKeyPath<M, Double>,
                                     unit: String = "", range: ClosedRange<Double>, _ summary: String) -> Knob {
        Knob(info: Info(name: name, unit: unit, summary: summary),
             get: { [unowned model] in .number(model[keyPath: path]) },
             set: { [unowned model] (value: JSONValue) throws(ControlError) in
                 guard let n = value.numberValue ?? value.boolValue.map({ $0 ? 1 : 0 }), n.isFinite else {
                     throw ControlError("\(name) takes a number\(unit.isEmpty ? "" : " in \(unit)"), got \(value.serialized())")
                 }
                 guard range.contains(n) else {
                     throw ControlError("\(name): \(formatNumber(n)) is outside \(formatNumber(range.lowerBound))…\(formatNumber(range.upperBound))\(unit.isEmpty ? "" : " \(unit)")")
                 }
                 model[keyPath: path] = n
             })
    }

    /// A state: `true`/`false`, also `1`/`0`, `on`/`off`, `open`/`closed`-style words are not
    /// guessed; the knob's summary says what `true` means.
    static func flag<M: AnyObject>(_ name: String, of model: M, _ path: ReferenceWritableKeyPath<M, Bool>,
                                   _ summary: String) -> Knob {
        Knob(info: Info(name: name, unit: "", summary: summary),
             get: { [unowned model] in .bool(model[keyPath: path]) },
             set: { [unowned model] (value: JSONValue) throws(ControlError) in
                 guard let b = value.boolValue ?? value.numberValue.flatMap({ $0 == 0 ? false : $0 == 1 ? true : nil }) else {
                     throw ControlError("\(name) takes true or false, got \(value.serialized())")
                 }
                 model[keyPath: path] = b
             })
    }
}

extension Array where Element == Knob {
    func named(_ name: String) -> Knob? { first { $0.info.name == name } }
}
