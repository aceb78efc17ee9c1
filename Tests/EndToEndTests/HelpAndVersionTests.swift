import FieldCore
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// Both executables answer `--help` (usage, exit 0), `version` (the firmware version, exit 0) and
/// an unknown command (usage on stderr, exit 2), as the foundation issue asks.
@Suite("fieldgate and fieldsim: --help and version")
struct HelpAndVersionTests {
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32?, output: String) {
        let dir = try Waiting.temporaryDirectory(prefix: "fg-help")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = try ChildProcess(executable: try TestSupport.executable(tool), arguments: arguments, logPath: dir + "/out.log")
        let status = process.waitForExit(timeout: .seconds(30))
        process.terminate()
        return (status, process.logTail(lines: 100))
    }

    @Test("COMMAND --help prints that command's help, exit 0", arguments: [
        ("fieldgate", "run"), ("fieldgate", "check-config"), ("fieldgate", "points"), ("fieldgate", "status"),
        ("fieldgate", "console"), ("fieldgate", "passwd"), ("fieldsim", "run"), ("fieldsim", "ctl"), ("fieldsim", "scenario"),
    ])
    func helpAfterACommand(tool: String, command: String) throws {
        for args in [[command, "--help"], [command, "-h"], ["help", command]] {
            let help = try Self.run(tool, args)
            #expect(help.status == 0, "\(tool) \(args): \(help.output)")
            #expect(help.output.contains("usage: \(tool) \(command)"), "\(tool) \(args): \(help.output)")
        }
        // After other options too: `fieldgate run --site x --help`.
        if tool == "fieldgate" && command == "run" {
            let help = try Self.run(tool, ["run", "--site", "x.json", "--help"])
            #expect(help.status == 0 && help.output.contains("--mqtt URL"), "\(help.output)")
        }
    }

    @Test(arguments: ["fieldgate", "fieldsim"])
    func helpVersionAndAnUnknownCommand(tool: String) throws {
        let help = try Self.run(tool, ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("usage: \(tool) COMMAND"), "\(help.output)")
        #expect(help.output.contains("version"), "the help lists the version command")

        let version = try Self.run(tool, ["version"])
        #expect(version.status == 0)
        #expect(version.output.contains(FieldgateVersion.string), "\(version.output)")

        let unknown = try Self.run(tool, ["fly"])
        #expect(unknown.status == 2)
        #expect(unknown.output.contains("fly"), "the error names the command: \(unknown.output)")
        #expect(unknown.output.contains("usage: \(tool)"), "\(unknown.output)")
    }
}
