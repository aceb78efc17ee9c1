/// The order of a multi-register value's bytes on the wire, named by where the value's bytes
/// (A = most significant) land: `ABCD` is Modbus's own big-endian order (first register = high
/// word), `CDAB` swaps the words (low word first), `BADC` swaps the bytes inside each register,
/// `DCBA` does both (little-endian).
///
/// For 64-bit values the same two swaps apply to four registers: the word swap reverses the order
/// of all four registers (`CDAB` of ABCDEFGH is GH EF CD AB), the byte swap swaps each register's
/// bytes. For a 16-bit value only the byte swap matters (`BADC` and `DCBA` read BA).
package enum WordOrder: String, Sendable, Hashable, CaseIterable {
    case abcd = "ABCD"
    case cdab = "CDAB"
    case badc = "BADC"
    case dcba = "DCBA"

    /// The low word comes first.
    package var swapsWords: Bool { self == .cdab || self == .dcba }
    /// The low byte of each register comes first.
    package var swapsBytes: Bool { self == .badc || self == .dcba }
}
