import FieldCore

extension CommandRegistry {
    /// config get/set/diff/save/revert.
    mutating func addConfigCommands() {
        group("config", "read and change the site config (validated like the file)")
        add(ConsoleCommand(
            name: "config get", synopsis: "KEY", summary: "the value at KEY (pending changes included)",
            details: "KEY is a JSON path as config errors print it: site.name, devices[3].address, devices[main-pt].settings, buses[0].baud.\nA key naming an object or array prints the whole subtree. Tab completes keys. A device's settings are listed as its app applies them: every setting, the app's default where the site file sets none.",
            examples: ["config get devices[2].address", "config get devices[main-pt].settings", "config get buses[0]"], role: .viewer, arguments: 1...1,
            completions: [.configKey], run: { i, c in try configGet(i[0]!, c) }))
        add(ConsoleCommand(
            name: "config set", synopsis: "KEY VALUE", summary: "change a value; applied at once where possible",
            details: "KEY names array elements by index or by id: devices[2] or devices[hydrant-main]; devices[+] adds one at the end (devices lists the indexes). VALUE is JSON when it parses as JSON (3, 0.14, true, null, [1,2], {\"id\": \"pt-2\", \"address\": 7}: a value starting with { or [ is taken as typed, quotes and blanks included, up to its closing bracket), text otherwise; quote text with blanks: config set site.name \"Pump room 7\". Force text with '\"3\"'. null removes the key (the setting goes back to its default). A line holds up to 8 KB; for a longer value (a whole profile) use config load KEY FILE. The change is validated exactly like the site file and takes effect at once where it can (the reply says when a restart is needed). It stays pending until config save; config revert drops it. A change that lets a role do more is the admin's: console.users (other than your own password), raising uplink.rpcRole, or a device's command or point write needing a lower role than before (a profile whose set-address says technician, a device pointed at such a profile).",
            examples: ["config set devices[2].address 3", "config set devices[hydrant-main].poll 2s", "config set site.name \"Pump room 7\"",
                       "config set devices[+] {\"id\": \"pt-2\", \"profile\": \"fg-pressure-tx\", \"bus\": \"rs485-1\", \"address\": 7}"],
            role: .technician, arguments: 2...2, completions: [.configKey, .free], run: { i, c in try configSet(i, c) }))
        add(ConsoleCommand(
            name: "config load", synopsis: "KEY FILE", summary: "set KEY to the JSON value in FILE (a profile, a device)",
            details: "FILE is a JSON file on the gateway (relative paths start at the site file's directory; copy it there with scp, or from a USB stick). The value is checked and applied exactly like config set (roles included): profiles[+] adds a profile, profiles[my-tx] replaces the one with id my-tx.",
            examples: ["config load profiles[+] acme-pt.json", "config load devices[+] booster-pt.json"],
            role: .technician, arguments: 2...2, completions: [.configKey, .free], run: { i, c in
                let (change, path) = try c.backend.configLoad(i[0]!, file: i[1]!, by: c.user.name)
                c.audit("config load", change.key, old: show(change.old), new: path)
                try c.say("\(change.key): loaded from \(path)" + effectText(change.effect))
            }))
        group("add", "add to the site config")
        add(ConsoleCommand(
            name: "add device", synopsis: "ID PROFILE BUS UNIT [--poll 1s]", summary: "add a Modbus device to the site config",
            details: "The short form of config set devices[+] {\"id\": ID, \"profile\": PROFILE, \"bus\": BUS, \"address\": UNIT}: PROFILE is a built-in profile or one of the site's (config load profiles[+] FILE adds yours). Checked like the site file; settings, points and signals go on with config set devices[ID].settings... A new device starts polling after config save and restart.",
            examples: ["add device pt-2 fg-pressure-tx rs485-1 7", "add device booster-pt acme-pt100 rs485-2 7 --poll 500ms"],
            role: .technician, arguments: 4...4, valued: ["poll"], completions: [.free, .free, .bus], run: { i, c in
                var device: [String: JSONValue] = ["id": .string(i[0]!), "profile": .string(i[1]!), "bus": .string(i[2]!),
                                                   "address": .number(Double(try i.int(3, "UNIT", in: 0...255)))]
                if let poll = i.options["poll"] { device["poll"] = .string(poll) }
                let change = try c.backend.configSet("devices[+]", to: .object(device), by: c.user.name)
                c.audit("add device", change.key, old: nil, new: show(change.new))
                try c.say("\(change.key): \(i[0]!) added" + effectText(change.effect))
            }))
        add(ConsoleCommand(
            name: "config diff", synopsis: "", summary: "pending changes: running config against the saved file",
            details: "", examples: ["config diff"], role: .viewer, arguments: 0...0, run: { _, c in
                let diff = c.backend.configDiff()
                guard !diff.isEmpty else { return try c.print("no pending changes") }
                for d in diff { try c.print("\(d.key): \(show(d.saved)) -> \(show(d.running))") }
                try c.print("\(diff.count) pending change\(diff.count == 1 ? "" : "s"); config save keeps them, config revert drops them")
            }))
        add(ConsoleCommand(
            name: "config save", synopsis: "", summary: "write the running config to the site file (atomic, keeps the previous)",
            details: "Writes a temporary file, syncs it, renames it over the site file and syncs the directory, so a power cut\nleaves either the old or the new file. The previous file is kept.",
            examples: ["config save"], role: .technician, arguments: 0...0, run: { _, c in
                let diff = c.backend.configDiff()
                let r = try c.backend.configSave(by: c.user.name)
                c.audit("config save", r.file, new: "\(diff.count) change\(diff.count == 1 ? "" : "s")")
                try c.say("saved \(r.file)" + (r.previous.map { " (previous kept as \($0))" } ?? ""))
            }))
        add(ConsoleCommand(
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

/// The value at `key`; for a device or its settings, also every setting its app applies, with
/// the app's default where the file sets none (`SettingsInForce`).
private func configGet(_ key: String, _ c: CommandContext) throws {
    let target = DeviceSettingsKey(key)
    let view: SettingsInForce? = target.flatMap { t in
        guard let id = (try? c.backend.configGet(t.device + ".id"))?.stringValue else { return nil }
        let inForce = c.backend.settingsInForce(device: id)
        return inForce.isEmpty ? nil : SettingsInForce(inForce: inForce, file: try? c.backend.configGet(t.device + ".settings"))
    }
    let path = target?.path ?? []
    guard let value = try settingOrNil(key, c) else {
        // A setting the site file leaves out is not missing: the app's value applies.
        if let leaf = view?.leaf(at: path) { return try c.print("\(key) = \(leaf)") }
        if let lines = view?.lines(under: path), !lines.isEmpty {
            try c.print("\(key) = (unset); in force:")
            for l in lines { try c.print("  " + l) }
            return
        }
        guard let target, view != nil else {
            throw UsageError("\(key) is not set in the site config, so the app's default applies (each family's page lists the defaults: docs/lamp-pole.md, fire-water.md, indoor-air.md, elevator.md)")
        }
        throw UsageError("\(key) is not set in the site config, and the device's app has no such setting (config get \(target.device).settings lists them all)")
    }
    try c.print(key + " = " + value.serialized(pretty: true))
    guard let view, let target else { return }
    if let leaf = view.leaf(at: path) {
        // A set value the app has not taken (yet): say what applies.
        if leaf != SettingsInForce.plain(value) { try c.print("in force: " + SettingsInForce.plain(view.applied(at: path))) }
        return
    }
    let lines = view.lines(under: path)
    guard !lines.isEmpty else { return }
    try c.print((target.path == nil ? "settings in force" : "in force") + " (the app's default where the file sets none):")
    for l in lines { try c.print("  " + l) }
}

/// The value at `key`, or nil for a device setting the site file leaves out.
private func settingOrNil(_ key: String, _ c: CommandContext) throws -> JSONValue? {
    do {
        return try c.backend.configGet(key)
    } catch {
        if case BackendError.notFound(let kind, _, let suggestions) = error, kind == "config key", suggestions.isEmpty, key.contains(".settings") { return nil }
        throw error
    }
}

private func configSet(_ i: Invocation, _ c: CommandContext) throws {
    let key = i[0]!, text = i[1]!
    let value: JSONValue
    do {
        value = try JSONValue.parse(text)
    } catch {
        // Text that starts like JSON and is not: say why, rather than storing it as a string.
        if text.first == "{" || text.first == "[" { throw UsageError("VALUE starts with \(text.first!) but is not JSON: \(error)") }
        value = .string(text)
    }
    let change = try c.backend.configSet(key, to: value, by: c.user.name)
    c.audit("config set", change.key, old: show(change.old), new: show(change.new))
    try c.say("\(change.key): \(show(change.old)) -> \(show(change.new))" + effectText(change.effect))
}

/// ` (applied now; pending until config save)`, or when the change needs a restart.
private func effectText(_ effect: ConfigChange.Effect) -> String {
    switch effect {
    case .immediate: return " (applied now; pending until config save)"
    case .restartNeeded(let why): return " (takes effect after restart: \(why); pending until config save)"
    }
}

/// A config value on one line; `(unset)` for none (a JSON null is shown the same way: it
/// removes the key).
func show(_ v: JSONValue?) -> String {
    guard let v, v != .null else { return "(unset)" }
    return v.serialized()
}
