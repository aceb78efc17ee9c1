import Testing
@testable import FieldHAL

/// This kernel has no gpio-sim and no GPIO chips: what can be shown is that libgpiod fails
/// cleanly, with the words a technician needs.
@Suite struct GPIOLibgpiodBackendTests {
    let backend = GPIOLibgpiodBackend()

    @Test func aMissingChipNamesTheChipAndTheBoardFile() {
        #expect(throws: GPIOError.noSuchChip(chip: "gpiochip3")) {
            try backend.request([.output("relay-1", chip: "gpiochip3", offset: 17)])
        }
        #expect(GPIOError.noSuchChip(chip: "gpiochip3").description == "gpiochip3: no such GPIO chip (check the board file)")
    }

    @Test(arguments: ["/dev/gpiochip7", "pinctrl-bcm2835", "9", "/dev/null"])
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
}
