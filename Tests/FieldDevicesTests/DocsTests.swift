import Foundation
import Testing
import FieldCore
@testable import FieldDevices

/// The docs pages stay in step with the code: the register maps are the built-ins' own, and the
/// profile example reads without an issue.
@Suite struct DocsTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs").standardized

    static func page(_ name: String) throws -> String {
        try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func registerMapsShowEveryBuiltinAsItIs() throws {
        let page = try Self.page("register-maps.md")
        for p in BuiltinProfiles.all {
            #expect(page.contains("### `\(p.id)`"), "no section for \(p.id)")
            #expect(page.contains(p.registerMapMarkdown()), "the tables of \(p.id) differ from the profile; print registerMapMarkdown() and paste it")
        }
    }

    @Test func theProfileExampleReads() throws {
        let page = try Self.page("profiles.md")
        let start = try #require(page.range(of: "```json\n{"))
        let end = try #require(page.range(of: "\n```", range: start.upperBound..<page.endIndex))
        let json = String(page[page.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])
        let profile = try DeviceProfile.parse(json, source: "docs/profiles.md")
        #expect(profile.id == "acme-em3" && profile.points.count == 8 && profile.commands.count == 2)
        // The write-only coil is never read; the loop input at 20 is beyond maxGap and critical.
        #expect(ReadPlan(profile: profile).requests.map(\.description) == ["input 0x0014+1!", "holding 0x0064+1", "input 0x0000+7"])
    }
}
