import FieldCore
import FieldDevices
import FieldEngine

extension ConfigStore {
    /// Refuses a change that lets some role do more than before unless `requester` is an admin
    /// (for the platform: `uplink.rpcRole` is admin): a change of `console.users` (a user's own
    /// password hash excepted), `uplink.rpcRole` raised (no uplink counts as viewer), or a
    /// device's command or point write needing a lower role than before (its profile's command
    /// declared with a lower role, or the device pointed at another profile), or writing, with a
    /// lower role, registers that an admin's command or point wrote before (a new `readdress`
    /// command beside `set-address`). A device new in the change is compared with the devices
    /// the site had at the same bus and unit.
    /// - Throws: `.forbidden` naming every widening refused.
    static func checkRoles(from current: Site, to next: Site, by requester: CommandOrigin?) throws(ConfigStoreError) {
        guard let requester, requester.role < .admin else { return }
        // Only a console user may change their own password hash without an admin.
        let widened = widenings(from: current, to: next, by: requester.channel == .platform ? "" : requester.user)
        guard !widened.isEmpty else { return }
        let who = switch requester.channel {
        case .console, .local: "\(requester.user) is \(requester.role.rawValue)"
        case .platform: "the platform acts as \(requester.role.rawValue) (the site's uplink.rpcRole)"
        }
        throw .forbidden("\(widened.joined(separator: "; ")): needs the admin role; \(who)")
    }

    /// What `next` lets a role do that `current` did not, in words (`raising uplink.rpcRole from
    /// technician to admin`); `self` is the name of the user asking, whose own password hash may change.
    static func widenings(from current: Site, to next: Site, by user: String) -> [String] {
        var found: [String] = []
        func comparable(_ users: [ConsoleUser]) -> [ConsoleUser] {
            users.map { $0.name == user ? ConsoleUser(name: $0.name, role: $0.role, passwordHash: "") : $0 }
        }
        if comparable(current.console.users) != comparable(next.console.users) {
            found.append("changing console.users")
        }
        let before = current.uplink?.rpcRole ?? .viewer, after = next.uplink?.rpcRole ?? .viewer
        if after > before {
            found.append("raising uplink.rpcRole from \(current.uplink == nil ? "none (no uplink)" : before.rawValue) to \(after.rawValue)")
        }
        for device in next.devices {
            let was = current.devices.first { $0.id == device.id }.map { [$0] }
                ?? current.devices.filter { $0.bus != nil && $0.bus == device.bus && $0.address == device.address }
            guard !was.isEmpty else { continue }
            let before = was.flatMap { writers(of: $0.profile) }
            for w in writers(of: device.profile) {
                // The same command or point by name, or whatever wrote the same registers before.
                if let same = before.filter({ $0.what == w.what }).max(by: { $0.role < $1.role }), w.role < same.role {
                    found.append("lowering \(device.id)'s \(w.what) from \(same.role.rawValue) to \(w.role.rawValue)")
                } else if let overlap = before.filter({ b in b.footprint.contains { t in w.footprint.contains { $0.sharesStorage(with: t) } } })
                    .max(by: { $0.role < $1.role }), w.role < overlap.role {
                    found.append("\(device.id)'s \(w.what) (\(w.role.rawValue)) writes what \(overlap.what) wrote (\(overlap.role.rawValue))")
                }
            }
        }
        return found
    }

    /// What may write a device's registers, with the role it needs and the registers (or coils)
    /// it reaches: each profile command (`run set-address`) and each writable point (`write
    /// address`, its role derived from the commands that write it).
    static func writers(of profile: DeviceProfile) -> [(what: String, role: ConsoleUser.Role, footprint: [PointSpec])] {
        var writers: [(what: String, role: ConsoleUser.Role, footprint: [PointSpec])] = []
        for c in profile.commands {
            writers.append((what: "run \(c.name)", role: c.role, footprint: c.writes.map(\.target)))
        }
        for p in profile.points where p.isWritable {
            writers.append((what: "write \(p.name)", role: CommandSpec.writeRole(of: p, among: profile.commands).role, footprint: [p]))
        }
        return writers
    }
}
