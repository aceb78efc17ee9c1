import FieldApps
import FieldCore
import FieldDevices
import FieldRuntime
import FieldTestSupport
import Foundation
import Testing

/// Site files mutated byte by byte and value by value: each is read, or refused with errors that
/// say where (line and column, or JSON path). Never a crash: a site file that crashes the reader
/// crash-loops the service (issue 17).
@Suite struct SiteFileFuzzTests {
    static let sites = ["demo", "fire-water", "classroom", "lamp-pole", "lift"].map { TestSupport.repositoryRoot + "/simulator/sites/\($0).json" }

    static func validate(_ document: JSONValue, _ path: String) throws {
        _ = try GatewayConfiguration.validate(document: document, sitePath: path, boardDirectories: [TestSupport.boards],
                                              environment: ["FIELDSIM_DIR": "/tmp/fieldgate-fuzz", "STATE_DIR": "/tmp/fieldgate-fuzz"],
                                              builtins: BuiltinProfiles.byID, factories: BuiltinApps.factories)
    }

    static func originals() throws -> [(String, [UInt8])] {
        try sites.map { ($0, Array(try Data(contentsOf: URL(fileURLWithPath: $0)))) }
    }

    @Test func theSitesThemselvesAreValid() throws {
        for (path, bytes) in try Self.originals() { try Self.validate(try JSONValue.parse(Data(bytes)), path) }
    }

    @Test func mutatedBytesAreReadOrRefusedWithAPlace() throws {
        let originals = try Self.originals()
        FuzzRun("site file bytes").run { caseSeed, g in
            let (path, bytes) = originals.randomElement(using: &g)!
            let mutated = Mutator.mutate(bytes, &g, rounds: 4)
            let document: JSONValue
            do {
                document = try JSONValue.parse(Data(mutated))
            } catch let e as JSONSyntaxError {
                #expect(e.line >= 1 && e.column >= 1 && !e.message.isEmpty, "FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
                return
            } catch {
                Issue.record("\(error)")
                return
            }
            Self.expectReadOrRefused(document, path, caseSeed)
        }
    }

    @Test func everyKindOfHostileValueAtRandomPlaces() throws {
        let originals = try Self.originals().map { ($0.0, try JSONValue.parse(Data($0.1))) }
        let hostile: [JSONValue] = [1e20, -1e20, 9.5e15, 1e300, -1e300, 1.7976931348623157e308, 5e-324, -1, 0, 0.5, 65536, 4_294_967_296,
                                    "1e20h", "1e20s", "9.5e15", "1e300", "-5s", "0s", "", "inf", "NaN", "\u{0}", .string(String(repeating: "x", count: 5000)),
                                    nil, true, [], [:], [1e20], ["a": 1e20]]
        FuzzRun("site file values").run { caseSeed, g in
            var (path, document) = originals.randomElement(using: &g)!
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                let leaves = JSONLeaves.paths(document)
                guard let leaf = leaves.randomElement(using: &g) else { break }
                document = JSONLeaves.replacing(document, at: leaf[...], with: hostile.randomElement(using: &g)!)
            }
            Self.expectReadOrRefused(document, path, caseSeed)
        }
    }

    static func expectReadOrRefused(_ document: JSONValue, _ path: String, _ caseSeed: UInt64) {
        do {
            try validate(document, path)
        } catch let e as ConfigError {
            #expect(!e.issues.isEmpty && e.issues.allSatisfy { !$0.message.isEmpty }, "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): \(e)")
        } catch {
            Issue.record("FUZZ_CASE=0x\(String(caseSeed, radix: 16)): not a ConfigError: \(error)")
        }
    }
}

/// Paths to the leaves of a JSON tree, and replacing one.
enum JSONLeaves {
    static func paths(_ v: JSONValue, _ path: [JSONPath.Component] = []) -> [[JSONPath.Component]] {
        switch v {
        case .object(let o): return [path] + o.keys.sorted().flatMap { paths(o[$0]!, path + [.key($0)]) }
        case .array(let a): return [path] + a.indices.flatMap { paths(a[$0], path + [.index($0)]) }
        default: return [path]
        }
    }

    static func replacing(_ v: JSONValue, at path: ArraySlice<JSONPath.Component>, with new: JSONValue) -> JSONValue {
        guard let first = path.first else { return new }
        switch (v, first) {
        case (.object(var o), .key(let k)):
            o[k] = replacing(o[k] ?? nil, at: path.dropFirst(), with: new)
            return .object(o)
        case (.array(var a), .index(let i)) where a.indices.contains(i):
            a[i] = replacing(a[i], at: path.dropFirst(), with: new)
            return .array(a)
        default:
            return v
        }
    }
}
