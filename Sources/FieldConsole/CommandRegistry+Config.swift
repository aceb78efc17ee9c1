import FieldCore

extension CommandRegistry {
    /// config get/set/diff/save/revert.
    mutating func addConfigCommands() {
        group("config", "read and change the site config (validated like the file)")
        add(CommandSpec(
            name: "config get", synopsis: "KEY", summary: "the value at KEY (pending changes included)",
            details: "KEY is a JSON path as config errors print it: site.name, devices[3].address, buses[0].baud.\nA key naming an object or array prints the whole subtree. Tab completes keys.",
            examples: ["config get devices[2].address", "config get buses[0]"], role: .viewer, arguments: 1...1,
            completions: [.configKey], run: { i, c in
                try c.print(i[0]! + " = " + c.backend.configGet(i[0]!).serialized(pretty: true))
            }))
        add(CommandSpec(
            name: "config set", synopsis: "KEY VALUE", summary: "change a value; applied at once where possible",
            details: "VALUE is JSON when it parses as JSON (3, 0.14, true, null, \"text\", [1,2], {\"a\":1}), text otherwise;\nquote it for spaces: config set site.name \"Pump room 7\". Force text with '\"3\"'. null removes the key\n(the setting goes back to its default). The change is validated exactly like the site file and takes\neffect at once where it can (the reply says when a restart is needed). It stays pending until config save;\nconfig revert drops it.",
            examples: ["config set devices[2].address 3", "config set site.name \"Pump room 7\"", "config set buses[0].baud 19200"],
            role: .technician, arguments: 2...2, completions: [.configKey, .free], run: { i, c in try configSet(i, c) }))
        add(CommandSpec(
            name: "config diff", synopsis: "", summary: "pending changes: running config against the saved file",
            details: "", examples: ["config diff"], role: .viewer, arguments: 0...0, run: { _, c in
                let diff = c.backend.configDiff()
                guard !diff.isEmpty else { return try c.print("no pending changes") }
                for d in diff { try c.print("\(d.key): \(show(d.saved)) -> \(show(d.running))") }
                try c.print("\(diff.count) pending change\(diff.count == 1 ? "" : "s"); config save keeps them, config revert drops them")
            }))
        add(CommandSpec(
            name: "config save", synopsis: "", summary: "write the running config to the site file (atomic, keeps the previous)",
            details: "Writes a temporary file, syncs it, renames it over the site file and syncs the directory, so a power cut\nleaves either the old or the new file. The previous file is kept.",
            examples: ["config save"], role: .technician, arguments: 0...0, run: { _, c in
                let diff = c.backend.configDiff()
                let r = try c.backend.configSave(by: c.user.name)
                c.audit("config save", r.file, new: "\(diff.count) change\(diff.count == 1 ? "" : "s")")
                try c.print("saved \(r.file)" + (r.previous.map { " (previous kept as \($0))" } ?? ""))
            }))
        add(CommandSpec(
            name: "config revert", synopsis: "", summary: "drop pending changes and go back to the saved file",
            details: "", examples: ["config revert"], role: .technician, arguments: 0...0, run: { _, c in
                let dropped = try c.backend.configRevert(by: c.user.name)
                guard !dropped.isEmpty else { return try c.print("no pending changes") }
                for d in dropped {
                    c.audit("config revert", d.key, old: show(d.running), new: show(d.saved))
                    try c.print("\(d.key): back to \(show(d.saved))")
                }
            }))
    }
}

private func configSet(_ i: Invocation, _ c: CommandContext) throws {
    let key = i[0]!, text = i[1]!
    let value = (try? JSONValue.parse(text)) ?? .string(text)
    let change = try c.backend.configSet(key, to: value, by: c.user.name)
    c.audit("config set", change.key, old: show(change.old), new: show(change.new))
    var line = "\(change.key): \(show(change.old)) -> \(show(change.new))"
    switch change.effect {
    case .immediate: line += " (applied now"
    case .restartNeeded(let why): line += " (takes effect after restart: \(why)"
    }
    try c.print(line + "; pending until config save)")
}

/// A config value on one line; `(unset)` for none.
func show(_ v: JSONValue?) -> String { v.map { $0.serialized() } ?? "(unset)" }
