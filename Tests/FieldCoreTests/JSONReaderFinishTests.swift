import Testing
@testable import FieldCore

/// `finish()` twice (an app's factory, then the runtime) reports each unknown key once.
@Suite struct JSONReaderFinishTests {
    @Test func unknownKeysAreReportedOnce() throws {
        let reader = JSONReader()
        let o = try #require(reader.object(["low": 0.1, "lwo": 0.2, "hihg": 1], at: JSONPath.root.key("settings")))
        _ = o.double("low")
        _ = o.double("high")
        o.finish()
        o.finish()
        #expect(reader.issues.map(\.description) == [
            "settings.hihg: unknown key (did you mean \"high\"?)",
            "settings.lwo: unknown key (did you mean \"low\"?)",
        ])
    }
}
