import Testing
@testable import FieldDevices

/// Storage sizes from a site file (issue 17: found by TextFuzzTests).
@Suite struct ByteSizeTests {
    @Test func sizesAreNeverNegativeOrPastInt() {
        #expect(parseByteSize("64MB") == 64 << 20)
        #expect(parseByteSize("1048576") == 1 << 20)
        #expect(parseByteSize("-400") == nil, "a plain negative number was taken as a size")
        #expect(parseByteSize("-1MB") == nil)
        #expect(parseByteSize("1e30GB") == nil, "past Int: refused, not a trap")
        #expect(parseByteSize("99999999999999999999") == nil)
    }
}
