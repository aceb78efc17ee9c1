import FieldCore
import FoundationEssentials
import Testing
@testable import FieldDevices

/// The repository's root, found from this file's path (tests run from any directory).
let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

@Suite struct BoardTests {
    let env = ["FIELDSIM_DIR": "/tmp/fs", "STATE_DIR": "/tmp/st"]

    @Test func everyBoardFileInTheRepositoryIsValid() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/boards").filter { $0.hasSuffix(".json") }
        #expect(files.count >= 5)
        for file in files {
            let board = try Board.load(path: repositoryRoot + "/boards/" + file, environment: env)
            #expect(board.id + ".json" == file, "a board file is named after its id")
            if board.id == "linux-host" {
                // A PC or VM: no field I/O, no console port, no LEDs; nothing the gateway would poll by itself.
                #expect(board.lines.isEmpty && board.console == nil && board.leds.isEmpty && board.watchdog == nil)
                continue
            }
            #expect(!board.serialPorts.isEmpty && board.console != nil, "\(file) has RS-485 ports and a console")
            #expect(board.leds.contains { $0.role == .run }, "\(file) has a run LED")
            for line in board.lines where line.direction == .output {
                #expect(line.safeState != nil)
            }
        }
    }

    @Test func simulatorBoardExpandsItsDirectories() throws {
        let board = try Board.load(path: repositoryRoot + "/boards/sim.json", environment: env)
        #expect(board.gpio == .simulator(socket: "/tmp/fs/gpio.sock"))
        #expect(board.serialPort("rs485-1")?.device == "/tmp/fs/rs485-1")
        #expect(board.console == .pty(link: "/tmp/st/console"))
        #expect(board.line("DO1")?.safeState == true, "lighting relays are on in the safe state")
    }

    @Test func missingEnvironmentIsNamed() {
        #expect(throws: ConfigError.self) { try Board.load(path: repositoryRoot + "/boards/sim.json", environment: [:]) }
        do {
            _ = try Board.load(path: repositoryRoot + "/boards/sim.json", environment: [:])
        } catch let e as ConfigError {
            #expect(e.issues.first?.description == "gpio.socket: environment variable FIELDSIM_DIR is not set (used in \"${FIELDSIM_DIR}/gpio.sock\")")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func inconsistentBoardsReportEveryProblem() throws {
        let doc = try JSONValue.parse("""
        {"id": "bad", "name": "Bad", "gpio": {"backend": "gpiod"},
         "lines": [{"name": "DI1", "chip": "gpiochip0", "offset": 4, "direction": "in"},
                   {"name": "DI1", "chip": "gpiochip0", "offset": 4, "direction": "in", "safeState": true},
                   {"name": "DO1", "chip": "gpiochip0", "offset": 5, "direction": "out"}],
         "serialPorts": [{"name": "rs485-1", "device": "/dev/ttyS1", "rs485": "gpio:DI1"},
                         {"name": "rs485-1", "device": "/dev/ttyS2", "rs485": "half"}],
         "leds": [{"role": "run", "line": "LED9"}], "colour": "green"}
        """)
        let r = JSONReader()
        _ = r.object(doc).flatMap { Board.read($0, environment: [:]) }
        let messages = Set(r.issues.map(\.description))
        #expect(messages.contains("lines[1].safeState: only outputs have a safe state"))
        #expect(messages.contains(where: { $0.hasPrefix("lines[2].safeState: missing") }))
        #expect(messages.contains("lines[1].name: \"DI1\" is already the name of lines[0]"))
        #expect(messages.contains("lines[1].offset: gpiochip0 line 4 is already lines[0] (DI1)"))
        #expect(messages.contains("serialPorts[1].rs485: expected \"auto\", \"kernel\", \"rts\" or \"gpio:LINE\", got \"half\""))
        #expect(messages.contains("serialPorts[0].rs485: RS-485 direction line \"DI1\" is an input; it must be an output"))
        #expect(messages.contains("leds[0].line: LED line \"LED9\" is not one of this board's lines"))
        #expect(messages.contains(where: { $0.hasPrefix("colour: unknown key") }))
    }

    @Test func environmentExpansion() {
        #expect((try? expandEnvironment("${A}/x/${B:-def}", ["A": "a"]).get()) == "a/x/def")
        #expect((try? expandEnvironment("${A", [:]).get()) == nil)
        #expect((try? expandEnvironment("plain", [:]).get()) == "plain")
    }
}
