import FieldCore

/// A firmware package the platform assigned to the gateway: ThingsBoard's shared attributes
/// `fw_title`, `fw_version`, `fw_size`, `fw_checksum`, `fw_checksum_algorithm` (docs/install.md,
/// "Firmware updates"), plus `fw_force` of our own to allow a downgrade.
package struct FirmwareOffer: Sendable, Hashable {
    package var title: String
    package var version: String
    package var size: Int
    package var checksum: String
    package var algorithm: String
    package var force: Bool

    package init(title: String, version: String, size: Int, checksum: String, algorithm: String = "SHA256", force: Bool = false) {
        (self.title, self.version, self.size, self.checksum, self.algorithm, self.force) = (title, version, size, checksum.lowercased(), algorithm, force)
    }

    /// The offer in an attributes message (a shared-attribute update, or `{"shared": {…}}` from
    /// an attribute request): nil when it names no firmware; the reason when it is incomplete.
    package static func read(_ attributes: JSONValue) -> Result<FirmwareOffer, FirmwareError>? {
        let o = attributes["shared"]?.objectValue ?? attributes.objectValue ?? [:]
        guard o["fw_title"] != nil || o["fw_version"] != nil else { return nil }
        guard let title = o["fw_title"]?.stringValue, !title.isEmpty else { return .failure(.offer("fw_title: expected the package's title (a string)")) }
        guard let version = o["fw_version"]?.stringValue, !version.isEmpty else { return .failure(.offer("fw_version: expected the package's version (a string)")) }
        guard let n = o["fw_size"]?.numberValue, n >= 1, n <= 4e9, n == n.rounded() else {
            return .failure(.offer("fw_size: expected the package's size in bytes (1 to 4e9)"))
        }
        guard let checksum = o["fw_checksum"]?.stringValue, checksum.count == 64, checksum.allSatisfy(\.isHexDigit) else {
            return .failure(.offer("fw_checksum: expected a SHA-256 checksum (64 hex digits)"))
        }
        let algorithm = o["fw_checksum_algorithm"]?.stringValue ?? "SHA256"
        guard algorithm.uppercased().filter({ $0 != "-" }) == "SHA256" else {
            return .failure(.offer("fw_checksum_algorithm: \(algorithm) is not supported (SHA256 is)"))
        }
        return .success(FirmwareOffer(title: title, version: version, size: Int(n), checksum: checksum, algorithm: "SHA256",
                                      force: o["fw_force"]?.boolValue ?? false))
    }

    var json: JSONValue {
        ["title": .string(title), "version": .string(version), "size": .number(Double(size)), "checksum": .string(checksum),
         "algorithm": .string(algorithm), "force": .bool(force)]
    }

    /// An offer kept on disk (`slot.json`, `download.json`); nil for one that is damaged: an
    /// empty title or version, a size that is not a whole number of bytes in 1…4e9.
    init?(json: JSONValue) {
        guard let title = json["title"]?.stringValue, !title.isEmpty, let version = json["version"]?.stringValue, !version.isEmpty,
              let size = json["size"]?.numberValue, size >= 1, size <= 4e9, size == size.rounded(),
              let checksum = json["checksum"]?.stringValue else { return nil }
        self.init(title: title, version: version, size: Int(size), checksum: checksum, force: json["force"]?.boolValue ?? false)
    }
}

/// Why a firmware update did not happen, as `fw_error` tells the platform.
package enum FirmwareError: Error, Sendable, Hashable, CustomStringConvertible {
    case offer(String)
    case refused(String)
    case download(String)
    case verify(String)
    case install(String)

    package var description: String {
        switch self {
        case .offer(let s): "the platform's offer is incomplete: \(s)"
        case .refused(let s), .download(let s), .verify(let s), .install(let s): s
        }
    }
}

/// Compares dotted versions number by number (`0.10.0` > `0.9.3`); a part that is not a number
/// compares as text, a missing part as 0.
package enum FirmwareVersion {
    package static func compare(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: "."), y = b.split(separator: ".")
        for i in 0 ..< max(x.count, y.count) {
            let p = i < x.count ? String(x[i]) : "0", q = i < y.count ? String(y[i]) : "0"
            if let m = Int(p), let n = Int(q) {
                if m != n { return m < n ? -1 : 1 }
            } else if p != q {
                return p < q ? -1 : 1
            }
        }
        return 0
    }
}

/// The CPU an ELF executable is for, from its header's `e_machine` (what the gateway checks a
/// downloaded image against its own binary, so a wrong architecture is refused, never run).
package enum ELFMachine {
    /// `e_machine`, or nil when `header` is not the start of an ELF file.
    package static func of(_ header: [UInt8]) -> UInt16? {
        guard header.count >= 20, header[0] == 0x7f, header[1] == 0x45, header[2] == 0x4c, header[3] == 0x46 else { return nil }
        // EI_DATA: 1 little-endian, 2 big-endian.
        return header[5] == 2 ? UInt16(header[18]) << 8 | UInt16(header[19]) : UInt16(header[19]) << 8 | UInt16(header[18])
    }

    package static func name(_ machine: UInt16?) -> String {
        switch machine {
        case nil: "not an ELF executable"
        case 62?: "x86-64"
        case 183?: "AArch64"
        case 40?: "ARM"
        case 243?: "RISC-V"
        case let m?: "machine \(m)"
        }
    }
}
