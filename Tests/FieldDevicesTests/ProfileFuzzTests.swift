import Testing
import FieldCore
@testable import FieldDevices

/// Bad input never crashes the profile reader: every leaf of real profiles replaced by values of
/// every wrong kind either still reads (the value happened to be acceptable) or is reported.
@Suite struct ProfileFuzzTests {
    static let replacements: [JSONValue] = [nil, "x", -1, 1e300, 0.5, 65536, [], [:], true, [1, "a"]]

    /// Every path to a leaf (a non-container value) of `v`.
    static func leaves(_ v: JSONValue, _ path: [JSONPath.Component] = []) -> [[JSONPath.Component]] {
        switch v {
        case .object(let o): return o.keys.sorted().flatMap { leaves(o[$0]!, path + [.key($0)]) }
        case .array(let a): return a.indices.flatMap { leaves(a[$0], path + [.index($0)]) }
        default: return [path]
        }
    }

    static func replacing(_ v: JSONValue, at path: ArraySlice<JSONPath.Component>, with new: JSONValue) -> JSONValue {
        guard let first = path.first else { return new }
        switch (v, first) {
        case (.object(var o), .key(let k)):
            o[k] = replacing(o[k] ?? nil, at: path.dropFirst(), with: new)
            return .object(o)
        case (.array(var a), .index(let i)):
            a[i] = replacing(a[i], at: path.dropFirst(), with: new)
            return .array(a)
        default:
            return v
        }
    }

    @Test(arguments: [BuiltinProfiles.singleLampController, BuiltinProfiles.senseairS8, BuiltinProfiles.pressureTransmitter])
    func everyLeafReplacedByEveryWrongKind(source: String) throws {
        let doc = try JSONValue.parse(source)
        for path in Self.leaves(doc) {
            for bad in Self.replacements {
                let r = JSONReader()
                let o = try #require(r.object(Self.replacing(doc, at: path[...], with: bad)))
                let profile = DeviceProfile.read(o)
                #expect((profile == nil) == !r.issues.isEmpty, "\(JSONPath(path)) = \(bad)")
                if let profile { _ = ReadPlan(profile: profile) }
            }
        }
    }
}
