import FieldCore
import FieldTestSupport
import Foundation
import Testing
@testable import FieldRuntime

/// The firmware update's pure parts; the whole path through a broker is
/// `EndToEndTests.FirmwareUpdateTests`.
@Suite struct FirmwareTests {
    static let sum = String(repeating: "ab", count: 32)

    @Test func theOfferFromSharedAttributesOrAnAttributeResponse() throws {
        let update: JSONValue = ["fw_title": "fieldgate", "fw_version": "0.2.0", "fw_size": 421_320, "fw_checksum": .string(Self.sum.uppercased()),
                                 "fw_checksum_algorithm": "SHA256"]
        let expected = FirmwareOffer(title: "fieldgate", version: "0.2.0", size: 421_320, checksum: Self.sum)
        #expect(FirmwareOffer.read(update) == .success(expected))
        #expect(FirmwareOffer.read(["shared": update]) == .success(expected), "ThingsBoard's answer to an attribute request")
        #expect(FirmwareOffer.read(["siteName": "x"]) == nil, "no firmware named")
        var forced = expected
        forced.force = true
        var withForce: [String: JSONValue] = update.objectValue ?? [:]
        withForce["fw_force"] = true
        #expect(FirmwareOffer.read(.object(withForce)) == .success(forced))
    }

    @Test func anIncompleteOrUnsupportedOfferSaysWhat() {
        let base: [String: JSONValue] = ["fw_title": "fieldgate", "fw_version": "0.2.0", "fw_size": 10, "fw_checksum": .string(Self.sum)]
        func error(_ change: [String: JSONValue]) -> String? {
            let merged: [String: JSONValue] = base.merging(change) { _, b in b }
            guard case .failure(let e)? = FirmwareOffer.read(.object(merged)) else { return nil }
            return e.description
        }
        #expect(error(["fw_size": -1])?.contains("fw_size") == true)
        #expect(error(["fw_size": 1e12])?.contains("fw_size") == true)
        #expect(error(["fw_checksum": "abc"])?.contains("64 hex digits") == true)
        #expect(error(["fw_checksum_algorithm": "MD5"])?.contains("MD5 is not supported") == true)
        #expect(error(["fw_checksum_algorithm": "sha-256"]) == nil)
        #expect(error(["fw_version": 2])?.contains("fw_version") == true)
    }

    @Test func versionsCompareNumberByNumber() {
        #expect(FirmwareVersion.compare("0.10.0", "0.9.3") == 1)
        #expect(FirmwareVersion.compare("0.2", "0.2.0") == 0)
        #expect(FirmwareVersion.compare("1.0.0", "1.0.1") == -1)
        #expect(FirmwareVersion.compare("1.0.0-rc1", "1.0.0-rc2") == -1)
    }

    @Test func theArchitectureOfAnImage() throws {
        let own = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/proc/self/exe")).prefix(64))
        #if arch(x86_64)
        #expect(ELFMachine.of(own) == 62)
        #elseif arch(arm64)
        #expect(ELFMachine.of(own) == 183)
        #endif
        #expect(ELFMachine.of(Array("#!/bin/sh\nexit 0\n".utf8)) == nil)
        #expect(ELFMachine.name(nil) == "not an ELF executable")
        var arm = own
        arm[18] = 183
        arm[19] = 0
        #expect(ELFMachine.of(arm) == 183 && ELFMachine.name(183) == "AArch64")
    }

    /// The launcher gives up an image on trial that has had its three boots without proving
    /// healthy, before it would exec it a fourth time.
    @Test func theLauncherGivesUpAnImageAfterThreeBoots() throws {
        let dir = try TemporaryDirectory("firmware-boot")
        let slots = FirmwareSlots(stateDirectory: dir.path)
        slots.makeDirectory()
        try slots.writeJSON(slots.slotInfo, FirmwareOffer(title: "fieldgate", version: "0.3.0", size: 1, checksum: Self.sum).json)
        try slots.writeJSON(slots.trial, ["boots": 3, "version": "0.3.0"])
        try DurableFile.replace(slots.active, with: Array("b\n".utf8))
        FirmwareBoot.launch(stateDirectory: dir.path, arguments: ["fieldgate", "run"], environment: [:], clock: ManualClock())
        #expect(!FileSystem.exists(slots.active) && !FileSystem.exists(slots.trial))
        let outcome = try #require(slots.lastOutcome)
        #expect(outcome["state"] == "FAILED" && outcome["version"] == "0.3.0" && outcome["checksum"] == .string(Self.sum))
        #expect(outcome["error"] == "the new firmware stopped 3 times before proving healthy")
        // A package upgraded since (apt) past slot B's image: the package runs, slot B is dropped.
        try slots.writeJSON(slots.slotInfo, FirmwareOffer(title: "fieldgate", version: "0.0.5", size: 1, checksum: Self.sum).json)
        try DurableFile.replace(slots.active, with: Array("b\n".utf8))
        FirmwareBoot.launch(stateDirectory: dir.path, arguments: ["fieldgate", "run"], environment: [:], clock: ManualClock())
        #expect(!FileSystem.exists(slots.active))
        // Slot B's own process, and a gateway with nothing installed, run themselves.
        FirmwareBoot.launch(stateDirectory: dir.path, arguments: ["fieldgate", "run"], environment: [FirmwareSlots.slotEnvironment: "b"])
        FirmwareBoot.launch(stateDirectory: dir.path, arguments: ["fieldgate", "run"], environment: [:])
    }
}
