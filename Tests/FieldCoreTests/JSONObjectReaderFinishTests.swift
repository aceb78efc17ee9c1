import Testing
@testable import FieldCore

@Suite struct JSONObjectReaderFinishTests {
    @Test func finishingTwiceReportsUnknownKeysOnce() throws {
        // An app's factory and the runtime both finish a device's settings object.
        let reader = JSONReader()
        let settings = try #require(reader.object(try JSONValue.parse(#"{"floors": 10, "flors": 9}"#), at: JSONPath.root.key("settings")))
        _ = settings.int("floors")
        settings.finish()
        settings.finish()
        #expect(reader.issues.map(\.description) == ["settings.flors: unknown key (did you mean \"floors\"?)"])
    }
}
