import FieldCore
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// `fieldsim platform firmware`'s arguments: each mistake is named, with exit 2, before anything
/// connects; a broker nobody listens on is exit 1. (A real update through it:
/// `FirmwareUpdateTests.commandDrivesUpdates`.)
@Suite("fieldsim platform firmware: arguments")
struct PlatformCommandTests {
    @Test("the help, and every argument error named with exit 2; no broker is exit 1")
    func argumentErrors() throws {
        let dir = try TemporaryDirectory("fw-cmd")
        let image = dir.file("image.bin")
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: image))
        let empty = dir.file("empty.bin")
        FileManager.default.createFile(atPath: empty, contents: Data())

        let help = try HelpAndVersionTests.run("fieldsim", ["platform", "--help"])
        #expect(help.status == 0 && help.output.contains("usage: fieldsim platform firmware"), "\(help.output)")

        let good = ["--broker", "127.0.0.1:1883", "--image", image, "--version", "1.0"]
        let cases: [([String], String)] = [
            (["platform"], "expected \"platform firmware\""),
            (["platform", "firmware", "--image", image, "--version", "1.0"], "needs --broker HOST:PORT"),
            (["platform", "firmware", "--broker", "127.0.0.1", "--image", image, "--version", "1.0"], "--broker 127.0.0.1: expected HOST:PORT"),
            (["platform", "firmware", "--broker", "host:70000", "--image", image, "--version", "1.0"], "--broker host:70000"),
            (["platform", "firmware", "--broker", "127.0.0.1:1883", "--version", "1.0"], "needs --image FILE"),
            (["platform", "firmware", "--broker", "127.0.0.1:1883", "--image", image], "needs --version V"),
            (["platform", "firmware", "--broker", "127.0.0.1:1883", "--image", dir.file("missing"), "--version", "1.0"], "cannot read the file"),
            (["platform", "firmware", "--broker", "127.0.0.1:1883", "--image", empty, "--version", "1.0"], "the file is empty"),
            (["platform", "firmware"] + good + ["--corrupt", "1000"], "--corrupt 1000: expected a byte offset 0–999"),
            (["platform", "firmware"] + good + ["--stop-after", "-1"], "--stop-after -1"),
            (["platform", "firmware"] + good + ["--timeout", "0"], "--timeout 0"),
            (["platform", "firmware"] + good + ["--speed", "2"], "speed"),
        ]
        for (arguments, message) in cases {
            let run = try HelpAndVersionTests.run("fieldsim", arguments)
            #expect(run.status == 2 && run.output.contains(message), "\(arguments): exit \(String(describing: run.status)): \(run.output)")
        }

        let port = try Waiting.freePort()
        let unreachable = try HelpAndVersionTests.run("fieldsim", ["platform", "firmware", "--broker", "127.0.0.1:\(port)", "--image", image, "--version", "1.0"])
        #expect(unreachable.status == 1 && unreachable.output.contains("cannot subscribe on 127.0.0.1:\(port)"), "\(unreachable.output)")
    }
}
