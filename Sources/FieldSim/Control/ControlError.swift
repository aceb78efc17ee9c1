/// Why the simulator refused a control request (`fieldsim ctl`, a scenario step): an unknown
/// device, point, knob or action, a value of the wrong kind or out of range. The message says
/// what was wrong and what would have been accepted.
public struct ControlError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
