import FieldCore

extension PointSpec {
    /// True when `new` differs from `old` enough to publish: quality changed, a state flipped,
    /// a value appeared or vanished, or a number moved by more than `deadband`.
    package func isChange(from old: Reading?, to new: Reading) -> Bool {
        guard let old else { return true }
        if old.quality != new.quality { return true }
        switch (old.value, new.value) {
        case (.number(let a)?, .number(let b)?): return abs(b - a) > deadband
        case (let a, let b): return a != b
        }
    }
}
