import Testing
@testable import FieldCore

/// FIPS 180-4's examples (the NIST "SHA256.pdf" example values) and digests `sha256sum`
/// (coreutils) printed for the same bytes.
@Suite struct SHA256Tests {
    @Test func theStandardsExamples() {
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(of: twoBlocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(of: [UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// 1079 bytes: padding that needs a block of its own (55 bytes past a multiple of 64 fit,
    /// this tail of 55 + 1024 does not cross), fed in uneven pieces.
    @Test func inPiecesAsAChunkedDownloadFeedsIt() {
        var bytes: [UInt8] = []
        for _ in 0 ..< 4 { bytes += (0 ... 255).map { UInt8($0) } }
        bytes += [UInt8](repeating: 0x78, count: 55)
        let expected = "415c3b5c395cb8896358cda2f03a8c43395029c22ed119c0e76617d75c9b65e9"
        #expect(SHA256.hex(of: bytes) == expected)
        for piece in [1, 7, 63, 64, 65, 500] {
            var h = SHA256()
            var i = 0
            while i < bytes.count {
                h.update(bytes[i ..< min(i + piece, bytes.count)])
                i += piece
            }
            #expect(h.hex() == expected, "pieces of \(piece)")
            // finish() leaves the state as it was: more can follow.
            #expect(h.hex() == expected)
        }
        // A sequence without contiguous storage goes byte by byte, and mixes with blocks.
        var mixed = SHA256()
        mixed.update(AnySequence(bytes[0 ..< 70]))
        mixed.update(bytes[70 ..< 1000])
        mixed.update(AnySequence(bytes[1000...]))
        #expect(mixed.hex() == expected)
    }
}
