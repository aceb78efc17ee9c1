import FieldCore
@testable import FieldDevices
import Foundation
import Testing
@testable import FieldRuntime

/// Review of issue 19: every change of the site configuration, from the console or the
/// platform, is compared before and after; what lets a role do more (console.users changed,
/// uplink.rpcRole raised, a device's command or point write needing a lower role) needs an admin
/// on the console, and `uplink.rpcRole` admin for the platform's `setConfig`.
@Suite struct ConfigRolesTests {
    static let li = CommandOrigin(user: "li", role: .technician, channel: .console)
    static let wang = CommandOrigin(user: "wang", role: .admin, channel: .console)

    /// `fg-pressure-tx` as a vendor's file might give it: the same map, no role on any command.
    static var relaxedProfile: JSONValue {
        get throws {
            let text = BuiltinProfiles.pressureTransmitter
                .replacingOccurrences(of: #""role": "admin", "#, with: "")
                .replacingOccurrences(of: #""id": "fg-pressure-tx""#, with: #""id": "my-pt""#)
            return try JSONValue.parse(text)
        }
    }

    func forbidden(_ body: () throws(ConfigStoreError) -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let e = storeError(body)
        guard case .forbidden(let why)? = e else {
            Issue.record("expected forbidden, got \(String(describing: e))", sourceLocation: sourceLocation)
            return nil
        }
        return why
    }

    @Test func aTechnicianCannotLowerADevicesRolesThroughAProfile() throws {
        let f = try StoreFixture()
        let profile = try Self.relaxedProfile
        // Adding the profile lets nobody do more: no device uses it.
        _ = try f.store.set("profiles", to: .array([profile]), by: Self.li)
        let swap = forbidden { () throws(ConfigStoreError) in _ = try f.store.set("devices[0].profile", to: "my-pt", by: Self.li) }
        #expect(swap?.contains("lowering hydrant-main's run set-address from admin to technician") == true, "\(swap ?? "")")
        #expect(swap?.contains("lowering hydrant-main's write address from admin to technician") == true)
        #expect(swap?.hasSuffix(": needs the admin role; li is technician") == true)
        // A device renamed in the same change, at the same bus and unit, is the same transmitter on the wire.
        let twin: JSONValue = ["id": "pt-twin", "profile": "my-pt", "bus": "pumps", "address": 3,
                             "settings": ["category": "municipal-hydrant"]]
        let added = forbidden { () throws(ConfigStoreError) in _ = try f.store.set("devices[0]", to: twin, by: Self.li) }
        #expect(added?.contains("lowering pt-twin's run set-baud from admin to technician") == true, "\(added ?? "")")
        #expect(f.store.running.site.devices[0].profile.id == "fg-pressure-tx", "nothing changed")
        // An admin may, and a technician may still add devices at other units, and edit the rest.
        _ = try f.store.set("devices[+]", to: ["id": "pt-new", "profile": "my-pt", "bus": "pumps", "address": 9,
                                                         "settings": ["category": "municipal-hydrant"]], by: Self.li)
        _ = try f.store.set("devices[0].address", to: 4, by: Self.li)
        _ = try f.store.set("devices[0].profile", to: "my-pt", by: Self.wang)
        #expect(f.store.running.site.devices[0].profile.command("set-address")?.role == .technician)
    }

    /// A technician's command added beside set-address that writes the same register (here as a
    /// bare register) is as much a lowering as set-address saying technician.
    @Test func aNewCommandWritingAnAdminsRegisterNeedsTheAdmin() throws {
        let f = try StoreFixture()
        let readdress = #"{"name": "readdress", "parameters": [{"name": "address", "range": [1, 247]}], "writes": [{"table": "holding", "address": 0, "parameter": "address"}]}, "#
        let text = BuiltinProfiles.pressureTransmitter
            .replacingOccurrences(of: #""id": "fg-pressure-tx""#, with: #""id": "plus-pt""#)
            .replacingOccurrences(of: #""commands": ["#, with: #""commands": ["# + readdress)
        _ = try f.store.set("profiles[+]", to: try JSONValue.parse(text), by: Self.li)
        let why = forbidden { () throws(ConfigStoreError) in _ = try f.store.set("devices[0].profile", to: "plus-pt", by: Self.li) }
        #expect(why == "hydrant-main's run readdress (technician) writes what run set-address wrote (admin): needs the admin role; li is technician")
        // The same profile with readdress declared for admins is a technician's to use.
        _ = try f.store.set("profiles[plus-pt]", to: try JSONValue.parse(text.replacingOccurrences(of: #""name": "readdress", "#, with: #""name": "readdress", "role": "admin", "#)), by: Self.li)
        _ = try f.store.set("devices[0].profile", to: "plus-pt", by: Self.li)
    }

    @Test func aTechnicianCannotChangeUsersOrRaiseThePlatformsRole() throws {
        let f = try StoreFixture()
        let role = forbidden { () throws(ConfigStoreError) in _ = try f.store.set("console.users[0].role", to: "admin", by: Self.li) }
        #expect(role == "changing console.users: needs the admin role; li is technician")
        let hash = "$y$j9T$F5Jx5fExrKuJdljLajF2B1$ZUMnchs7mVL6y1DsxG.gp0Kq3Xv9ZxGj5VF43YS6wL9"
        let user: JSONValue = ["name": "eve", "role": "admin", "hash": .string(hash)]
        #expect(forbidden { () throws(ConfigStoreError) in _ = try f.store.set("console.users[+]", to: user, by: Self.li) } != nil)
        let uplink = forbidden { () throws(ConfigStoreError) in
            _ = try f.store.set("uplink", to: ["url": "mqtt://broker:1883", "rpcRole": "admin"], by: Self.li)
        }
        #expect(uplink == "raising uplink.rpcRole from none (no uplink) to admin: needs the admin role; li is technician")
        // Your own password is yours to change.
        _ = try f.store.set("console.users[0].hash", to: .string(hash), by: Self.li)
        // An admin may; then a technician may not raise it further nor drop the admin's users by revert.
        _ = try f.store.set("uplink", to: ["url": "mqtt://broker:1883", "rpcRole": "viewer"], by: Self.wang)
        let raise = forbidden { () throws(ConfigStoreError) in _ = try f.store.set("uplink.rpcRole", to: "technician", by: Self.li) }
        #expect(raise == "raising uplink.rpcRole from viewer to technician: needs the admin role; li is technician")
        _ = try f.store.set("uplink.rpcRole", to: "viewer", by: Self.li)
        _ = try f.store.set("console.users[+]", to: user, by: Self.wang)
        let revert = forbidden { () throws(ConfigStoreError) in _ = try f.store.revert(by: Self.li) }
        #expect(revert?.contains("changing console.users") == true, "\(revert ?? "")")
        _ = try f.store.revert(by: Self.wang)
    }

    @Test func thePlatformNeedsAnAdminRPCRoleToWidenRoles() throws {
        func site(_ rpcRole: String) throws -> StoreFixture {
            var text = StoreFixture.site
            text = text.replacingOccurrences(of: #""console": {"#, with: #""uplink": {"url": "mqtt://broker:1883", "rpcRole": "\#(rpcRole)"}, "console": {"#)
            return try StoreFixture(site: text)
        }
        func push(_ f: StoreFixture, _ edit: (inout [String: JSONValue]) -> Void) -> ConfigStoreError? {
            guard case .object(var o) = f.store.running.document else { return .badKey("not an object") }
            edit(&o)
            return storeError { () throws(ConfigStoreError) in
                _ = try f.store.replaceFromPlatform(.object(o), baseHash: f.store.hash, by: "the platform") { _, _ throws(ConfigStoreError) in }
            }
        }
        let tech = try site("technician")
        let raised = push(tech) { $0["uplink"] = ["url": "mqtt://broker:1883", "rpcRole": "admin"] }
        #expect(raised == .forbidden("raising uplink.rpcRole from technician to admin: needs the admin role; the platform acts as technician (the site's uplink.rpcRole)"))
        let hash = "$y$j9T$F5Jx5fExrKuJdljLajF2B1$ZUMnchs7mVL6y1DsxG.gp0Kq3Xv9ZxGj5VF43YS6wL9"
        let users: JSONValue = ["users": [["name": "li", "role": "technician", "hash": .string(hash)]]]
        let pushedUsers = push(tech) { $0["console"] = users }
        #expect(pushedUsers == .forbidden("changing console.users: needs the admin role; the platform acts as technician (the site's uplink.rpcRole)"))
        let profile = try Self.relaxedProfile
        let lowered = push(tech) { o in
            o["profiles"] = .array([profile])
            if case .array(var devices)? = o["devices"], case .object(var d) = devices[0] {
                d["profile"] = "my-pt"
                devices[0] = .object(d)
                o["devices"] = .array(devices)
            }
        }
        guard case .forbidden(let why)? = lowered else { Issue.record("\(String(describing: lowered))"); return }
        #expect(why.contains("lowering hydrant-main's run set-address from admin to technician"))
        let file = try JSONValue.parse(tech.fileText)
        #expect(file == tech.store.running.document, "nothing written")
        // Lowering the platform's own role, or anything else, is the platform's to push.
        #expect(push(tech) { $0["uplink"] = ["url": "mqtt://broker:1883", "rpcRole": "viewer"] } == nil)

        let admin = try site("admin")
        #expect(push(admin) { $0["console"] = users } == nil, "an admin platform may")
    }
}
