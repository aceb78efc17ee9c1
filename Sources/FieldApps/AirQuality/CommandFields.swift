import FieldCore

/// A command's arguments as the air terminal and the lift read them: an object
/// (`{"mode": "on", "for": "30m"}`), or one bare value standing for the command's main argument
/// (`"on"`, as a console line `fan on` gives it).
struct CommandFields {
    let command: String
    private let fields: [String: JSONValue]
    private let bare: JSONValue?

    init(_ command: AppCommand) {
        self.command = command.name
        switch command.arguments {
        case .object(let o):
            fields = o
            bare = nil
        case .array(let items):
            fields = [:]
            bare = items.first
        case .null:
            fields = [:]
            bare = nil
        default:
            fields = [:]
            bare = command.arguments
        }
    }

    /// The string at `key`, or the bare argument when `key` is the main one.
    func string(_ key: String, main: Bool = false, oneOf allowed: [String]) throws(AppError) -> String? {
        guard let v = fields[key] ?? (main ? bare : nil), v != .null else { return nil }
        guard let s = v.stringValue, allowed.contains(s) else {
            throw AppError("\(command): \(key) must be one of: \(allowed.joined(separator: ", "))")
        }
        return s
    }

    func duration(_ key: String) throws(AppError) -> Duration? {
        guard let v = fields[key], v != .null else { return nil }
        let d: Duration?
        switch v {
        case .number(let n) where n > 0: d = Duration(checkedSeconds: n)
        case .string(let s): d = parseDuration(s).flatMap { $0 > .zero ? $0 : nil }
        default: d = nil
        }
        guard let d else { throw AppError("\(command): \(key) must be a duration such as \"30m\" or \"2h\"") }
        return d
    }

    func int(_ key: String, main: Bool = false) throws(AppError) -> Int? {
        guard let v = fields[key] ?? (main ? bare : nil), v != .null else { return nil }
        let n = v.numberValue ?? v.stringValue.flatMap { Double($0) }
        guard let n, n == n.rounded(), abs(n) < 1e9 else { throw AppError("\(command): \(key) must be a whole number") }
        return Int(n)
    }

    func bool(_ key: String) throws(AppError) -> Bool? {
        guard let v = fields[key], v != .null else { return nil }
        guard let b = v.boolValue else { throw AppError("\(command): \(key) must be true or false") }
        return b
    }

    /// Refuses keys the command does not take.
    func only(_ keys: String...) throws(AppError) {
        for key in fields.keys.sorted() where !keys.contains(key) {
            throw AppError("\(command): unknown argument \"\(key)\" (takes: \(keys.joined(separator: ", ")))")
        }
    }
}
