import Testing

/// The error `body` throws, as `E`; records an issue and returns nil when it throws nothing or
/// something else. `#expect(throws: E.self)` returns the error only from Swift Testing 6.1 on,
/// and the arm64 build's Swift 6.0.3 must compile these tests too (docs/architecture.md).
func expectThrows<E: Error, R>(_ type: E.Type, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                               _ body: () throws -> R) -> E? {
    do {
        _ = try body()
        Issue.record("expected \(E.self) to be thrown\(comment.map { ": \($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch let error as E {
        return error
    } catch {
        Issue.record("expected \(E.self), \(error) was thrown\(comment.map { ": \($0)" } ?? "")", sourceLocation: sourceLocation)
    }
    return nil
}
