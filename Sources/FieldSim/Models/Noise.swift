import FieldCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Seeded randomness for the models' measurement noise, gusts and traffic: the same device id
/// gives the same sequence in every run, so scenarios are repeatable.
struct Noise {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// Seeded from a name (FNV-1a), so each device has its own sequence.
    init(_ name: String) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01B3
        }
        self.init(seed: h)
    }

    /// Uniform in 0..<1.
    mutating func uniform() -> Double { Double(generator.next() >> 11) / Double(UInt64(1) << 53) }

    /// Normally distributed with mean 0 and standard deviation `sigma` (Box–Muller).
    mutating func gaussian(_ sigma: Double) -> Double {
        let u1 = max(uniform(), .leastNormalMagnitude), u2 = uniform()
        return sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { uniform() < p }
}

/// A first-order lag: `value` approaches a target with time constant `tau` (s), exactly for any
/// step length, so a fast-forwarded step stays stable.
func approach(_ value: Double, _ target: Double, tau: Double, dt: Double) -> Double {
    guard tau > 0 else { return target }
    return target + (value - target) * exp(-dt / tau)
}
