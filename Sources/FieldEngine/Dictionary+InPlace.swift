extension Dictionary {
    /// Runs `body` on the value for `key` where it is stored; nil when there is none.
    ///
    /// `dictionary[key]?.change()` moves the value out into a temporary optional (allocated, for
    /// a large value) and back; on the paths every reading takes, that cost more than the change.
    @inline(__always)
    mutating func withValue<R>(forKey key: Key, _ body: (inout Value) -> R) -> R? {
        guard let i = index(forKey: key) else { return nil }
        return body(&values[i])
    }
}
