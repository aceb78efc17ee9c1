import FieldCore
import Foundation
import Testing

/// A device's settings as its app applies them, on the real gateway's console pty: the value in
/// force for every setting, the app's default marked where the site file sets none (the
/// manual's "settings in force" transcript, written with `FIELDGATE_TRANSCRIPTS=DIR`).
@Suite struct GatewayConsoleSettingsTests {
    @Test func configGetShowsTheDefaultsInForce() throws {
        let rig = try GatewayRig()
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))
        let t = GatewayConsoleJobTests.Transcript("settings-in-force", c)

        // The hydrant's site file sets only its category; the category's 0.14 MPa applies.
        let low = rig.run(c, "config get devices[hydrant-main].settings.low").joined(separator: "\n")
        #expect(low.contains("devices[hydrant-main].settings.low = (unset, default 0.14)"), "\(low)")
        let settings = rig.run(c, "config get devices[hydrant-main].settings")
        #expect(settings.contains("  \"category\" : \"municipal-hydrant\""), "\(settings)")
        #expect(settings.contains("in force (the app's default where the file sets none):"), "\(settings)")
        #expect(settings.contains("  category: municipal-hydrant"))
        #expect(settings.contains("  low: (unset, default 0.14)"))
        #expect(settings.contains("  high: (unset, default none)"))
        #expect(settings.contains("  delay: (unset, default 10s)"))
        #expect(settings.contains("  stale-after: (unset, default 1m)"))

        // Set, the value is the file's; by index as by id.
        let set = rig.run(c, "config set devices[hydrant-main].settings.low 0.2").joined(separator: "\n")
        #expect(unwrapped(set).contains("devices[0].settings.low: (unset) -> 0.2 (applied now"), "\(set)")
        let after = rig.run(c, "config get devices[0].settings.low")
        #expect(after.first == "config get devices[0].settings.low", "\(after)")
        #expect(after.contains("devices[0].settings.low = 0.2"), "\(after)")

        // A setting no app has is still an error; a whole device lists its app's settings too.
        let typo = rig.run(c, "config get devices[0].settings.lwo").joined(separator: "\n")
        #expect(unwrapped(typo).contains("(did you mean \"devices[0].settings.low\"?)"), "\(typo)")
        let wrong = rig.run(c, "config get devices[0].settings.pressure-limit").joined(separator: "\n")
        #expect(unwrapped(wrong).contains("error: devices[0].settings.pressure-limit is not set in the site config, and the device's app has no such setting"), "\(wrong)")
        let tank = rig.run(c, "config get devices[roof-tank]")
        #expect(tank.contains("settings in force (the app's default where the file sets none):"), "\(tank)")
        #expect(tank.contains("  low: 2"))
        #expect(tank.contains("  delay: (unset, default 30s)"))
        // A device whose site file has no settings at all still runs with its app's.
        let lamp = rig.run(c, "config get devices[lamp-3].settings.dimming")
        #expect(lamp.contains(#"devices[lamp-3].settings.dimming = (unset, default [{"at":"dusk","level":100},{"at":"00:00","level":50}])"#), "\(lamp)")
        let cabinet = rig.run(c, "config get devices[cabinet].settings")
        #expect(cabinet.contains("devices[cabinet].settings = (unset); in force:"), "\(cabinet)")
        #expect(cabinet.contains("  water-debounce: (unset, default 10s)"))
        let show = rig.run(c, "show roof-tank").joined(separator: "\n")
        #expect(unwrapped(show).contains("app defaults (config get devices[roof-tank].settings): delay=30s hysteresis=0.05"), "\(show)")
        t.write()
    }
}
