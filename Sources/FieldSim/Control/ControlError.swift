/// Why the simulator refused a control request (`fieldsim ctl`, a scenario step): an unknown
/// device, point, knob or action, a value of the wrong kind or out of range. The message says
/// what was wrong and what would have been accepted.
package struct ControlError: Error, Sendable, Hashable, CustomStringConvertible {
    package var message: String

    package init(_ message: String) { self.message = message }

    package var description: String { message }
}
