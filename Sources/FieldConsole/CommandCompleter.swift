import FieldCore

/// Tab completion of command names, subcommands, options, device ids, points, config keys, bus
/// names, board lines, alarm ids and device actions, for the commands a user's role allows (an
/// app's or profile's command by the role it declares).
struct CommandCompleter: CompletionProvider {
    let registry: CommandRegistry
    let role: Role
    let backend: any ConsoleBackend

    func candidates(words: [String], partial: String) -> [String] {
        guard let first = words.first else {
            return registry.topLevelNames.filter { name in registry.specs.contains { $0.words[0] == name && $0.role <= role } }
        }
        let subs = registry.subcommands(of: first).filter { $0.role <= role }
        if words.count == 1 && !subs.isEmpty {
            let own = registry.spec(named: first).map { spec in argumentCandidates(spec, index: 0, words: words, partial: partial) } ?? []
            return subs.map { $0.words[1] } + own
        }
        guard case .command(let spec, let arguments) = registry.resolve(words), spec.role <= role else { return [] }
        if partial.hasPrefix("-") { return (spec.valued.union(spec.flags)).map { "--" + $0 } }
        // Positional index of the word being typed, skipping options and their values.
        var index = 0, skipNext = false
        for a in arguments {
            if skipNext {
                skipNext = false
            } else if a.hasPrefix("--") {
                skipNext = spec.valued.contains(String(a.dropFirst(2)))
            } else {
                index += 1
            }
        }
        if skipNext { return [] }
        return argumentCandidates(spec, index: index, words: words, partial: partial)
    }

    private func argumentCandidates(_ spec: ConsoleCommand, index: Int, words: [String], partial: String) -> [String] {
        guard index < spec.arguments.upperBound, !spec.completions.isEmpty else { return [] }
        let kind = index < spec.completions.count ? spec.completions[index]
            : (spec.arguments.upperBound > spec.completions.count ? spec.completions[spec.completions.count - 1] : .free)
        switch kind {
        case .free: return []
        case .words(let w): return w
        case .command:
            if words.count >= 2, words[0] == "help" {
                return registry.subcommands(of: words[1]).filter { $0.role <= role }.map { $0.words[1] }
            }
            return registry.topLevelNames
        case .device: return backend.devices().map(\.id)
        case .point:
            guard let dot = partial.firstIndex(of: ".") else { return backend.devices().map { $0.id + "." } }
            let device = String(partial[..<dot])
            return backend.pointRefs().filter { $0.device == device }.map(\.description)
        case .configKey: return backend.configKeys()
        case .gpioLine: return backend.gpioLines().map(\.name)
        case .bus: return backend.status().buses.map(\.name)
        case .alarm: return backend.alarms().filter { !$0.acknowledged }.map(\.id.rawValue) + ["all"]
        case .deviceAction:
            let device = words.count >= 3 ? words[2] : ""
            return (try? backend.deviceCommands(device).filter { $0.role <= role }.map(\.name)) ?? []
        case .appCommand:
            return (try? backend.appCommands(words.count >= 2 ? words[1] : "").filter { $0.role <= role }.map(\.name)) ?? []
        case .appArgument:
            guard words.count >= 3, let spec = try? backend.appCommands(words[1]).first(where: { $0.name == words[2] }),
                  spec.role <= role else { return [] }
            return spec.consoleCompletions(partial)
        }
    }
}
