#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import FieldHAL

/// This kernel has no gpio-sim and no GPIO chips, and qemu-user (where the arm64 build's libgpiod
/// 2 driver runs these) has none either: what can be shown is that libgpiod fails cleanly, with
/// the words a technician needs. The same tests run against libgpiod 1 (x86, Debian 12) and
/// libgpiod 2 (arm64, Debian 13, scripts/arm64.sh unit).
@Suite struct GPIOLibgpiodBackendTests {
    let backend = GPIOLibgpiodBackend()

    @Test func theBuildUsesTheLibgpiodItLinksAgainst() {
        #expect(GPIOLibgpiodBackend.libraryVersion.hasPrefix("\(GPIOLibgpiodBackend.apiVersion)."),
                "compiled for the libgpiod \(GPIOLibgpiodBackend.apiVersion) API, running with libgpiod \(GPIOLibgpiodBackend.libraryVersion)")
    }

    @Test func aMissingChipNamesTheChipAndTheBoardFile() {
        #expect(throws: GPIOError.noSuchChip(chip: "gpiochip3")) {
            try backend.request([.output("relay-1", chip: "gpiochip3", offset: 17)])
        }
        #expect(GPIOError.noSuchChip(chip: "gpiochip3").description == "gpiochip3: no such GPIO chip (check the board file)")
    }

    /// A path, a label, a number, and a device that is not a GPIO chip.
    @Test(arguments: ["/dev/gpiochip7", "pinctrl-bcm2835", "9", "/dev/null", "/nonexistent/gpiochip0"])
    func everyWayOfNamingAChipFailsCleanly(chip: String) {
        #expect(throws: GPIOError.noSuchChip(chip: chip)) {
            try backend.request([.input("door", chip: chip, offset: 4, activeLow: true, debounce: .milliseconds(20))])
        }
    }

    @Test func aBadConfigurationIsRefusedBeforeTheHardwareIsTouched() {
        #expect(throws: GPIOError.invalidConfig(line: "door", reason: "debounce needs an input with edge detection")) {
            try backend.request([.input("door", chip: "gpiochip3", offset: 4, edge: .none, debounce: .milliseconds(20))])
        }
    }

    @Test func badLineNamesAreRefusedBeforeTheHardwareIsTouched() {
        #expect(throws: GPIOError.invalidConfig(line: "gpiochip3:4", reason: "the line has no name")) {
            try backend.request([.input("", chip: "gpiochip3", offset: 4)])
        }
        #expect(throws: GPIOError.invalidConfig(line: "door", reason: "the name is used twice in one request")) {
            try backend.request([.input("door", chip: "gpiochip3", offset: 4), .input("door", chip: "gpiochip3", offset: 5)])
        }
    }

    /// Running as root (CI), a chip cannot be made unreadable; the errno of a refused open is what
    /// both drivers hand to this one mapping.
    @Test func aChipThatCannotBeOpenedIsUnavailableNotMissing() {
        let denied = SystemError(code: EACCES, function: "gpiod_chip_open", subject: "/dev/gpiochip0")
        #expect(GPIOError.openingChip("gpiochip0", failed: denied) == .chipUnavailable(chip: "gpiochip0", cause: denied))
        #expect(GPIOError.openingChip("gpiochip0", failed: denied).description
                == "gpiochip0: cannot open the GPIO chip: gpiod_chip_open /dev/gpiochip0: Permission denied (errno 13)")
        for code in [ENOENT, ENODEV, ENOTTY] {
            #expect(GPIOError.openingChip("gpiochip0", failed: SystemError(code: code, function: "gpiod_chip_open")) == .noSuchChip(chip: "gpiochip0"))
        }
    }
}
