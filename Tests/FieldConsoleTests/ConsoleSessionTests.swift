import FieldCore
import Testing
@testable import FieldConsole

@Suite struct ConsoleSessionTests {
    @Test func loginThenCommandsThenLogout() {
        let r = Fixture.run(Fixture.login("tech") + [.type("status\r"), .type("devices\r"), .type("logout\r")])
        #expect(r.end == .logout)
        #expect(r.text.contains("login: tech\r\npassword: \r\n"))
        #expect(!r.text.contains(Fixture.password))
        #expect(r.afterLogin.contains("site pump-room-7"))
        #expect(r.afterLogin.contains("rs485-2  0/1     0     4       timeout     /dev/ttyS2 9600 8N1"))
        #expect(r.afterLogin.contains("hydrant-north  fg-pressure-tx  rs485-1  4     offline"))
        #expect(r.afterLogin.contains("centre 119.3.0.10:9100 connected, 12 sent, 11 confirmed, 1 pending, reads 2 answered 1 denied\r\n"))
        #expect(r.text.hasSuffix("logged out\r\n"))
        #expect(r.backend.auditEntries.map(\.action) == ["login", "logout"])
        #expect(r.backend.auditEntries[0].channel == "console ttyS1")
    }

    @Test func theCentreLinkLineSaysWhyItIsDown() {
        let down = CentreLinkStatus(json: ["centre": "10.0.0.9:9100", "connected": false, "sent": 3, "confirmed": 3, "pending": 2,
                                           "lastError": "connection refused"])
        #expect(down.map(describe) == "centre 10.0.0.9:9100 not connected, 3 sent, 3 confirmed, 2 pending (connection refused)")
        // A site without the link has no `gb26875` in the status, and no line.
        #expect(CentreLinkStatus(json: nil) == nil && CentreLinkStatus(json: ["connected": true]) == nil)
    }

    @Test func ctrlDOnAnEmptyPromptLogsOut() {
        #expect(Fixture.run(Fixture.login("viewer") + [.type("\u{04}")]).end == .logout)
    }

    @Test func partialLinesAreNeverExecuted() {
        let r = Fixture.run(Fixture.login("admin") + [.type("modbus write rs485-1 3 6 16 42\u{03}"), .type("restart\u{15}"), .type("factory-reset")])
        #expect(r.end == .closed)
        #expect(r.backend.calls.isEmpty)
        #expect(!r.afterLogin.contains("error"))
    }

    @Test func wrongPasswordsLockTheLineWithBackOffInSimulatedTime() {
        let guardian = LoginGuard(policy: .init(freeAttempts: 3, firstLockout: .seconds(30)))
        let wrong: [ScriptedTerminal.Step] = [.type("tech\r"), .type("guess\r")]
        let steps = wrong + wrong + wrong
            + [.type("tech\r"), .quiet(.seconds(10)), .type("tech\r" + Fixture.password + "\r"), .quiet(.seconds(25))]
            + Fixture.login("tech") + [.type("whoami\r")]
        let r = Fixture.run(steps, loginGuard: guardian)
        #expect(r.text.components(separatedBy: "Login incorrect").count == 4)
        #expect(r.text.contains("Login incorrect: locked for 30 s"))
        #expect(r.text.contains("too many failed logins on ttyS1: wait 30 s"))
        // What was typed during the lockout was thrown away, not taken as a login.
        #expect(r.afterLogin.contains("tech (technician) on ttyS1"))
        #expect(r.backend.auditEntries.filter { $0.action == "login failed" }.count == 3)
        #expect(r.backend.auditEntries.filter { $0.action == "login" }.count == 1)
        #expect(guardian.lockout(user: "tech", line: "ttyS1", now: r.clock.now()) == nil, "a good login clears the count")
    }

    @Test func unknownUsersLookLikeWrongPasswordsAndTheirNameIsNotAudited() {
        let r = Fixture.run([.type("pump-room-7!\r"), .type("x\r")])
        #expect(r.text.contains("Login incorrect"))
        #expect(r.backend.auditEntries.map(\.user) == ["(unknown user)"])
    }

    @Test func idleUsersAreLoggedOutAndActivityKeepsThemIn() {
        let r = Fixture.run(Fixture.login("tech") + [.quiet(.minutes(9)), .type("version\r"), .quiet(.minutes(9)), .type("whoami\r"), .quiet(.minutes(11))],
                            idle: .minutes(10))
        #expect(r.end == .idle)
        #expect(r.afterLogin.contains("fieldgate \(FieldgateVersion.string) on board sim"))
        #expect(r.afterLogin.contains("tech (technician)"))
        #expect(r.text.hasSuffix("idle for 10m: logged out\r\n"))
    }

    @Test func rolesAreEnforcedWithTheUsage() {
        let r = Fixture.run(Fixture.login("viewer") + [.type("modbus write rs485-1 3 6 16 42\r"), .type("config set site.name x\r"),
                                                        .type("factory-reset\r"), .type("modbus word-order rs485-1 3 0\r")])
        #expect(r.afterLogin.contains("error: modbus write needs the technician role; viewer is viewer\r\nusage: modbus write BUS UNIT FC ADDR VALUE..."))
        #expect(r.afterLogin.contains("error: config set needs the technician role"))
        #expect(r.afterLogin.contains("error: factory-reset needs the admin role"))
        #expect(r.afterLogin.contains("error: reading a register pair from a bus needs the technician role"))
        #expect(r.backend.calls.isEmpty)
    }

    @Test func everyErrorSaysWhatAndShowsTheUsage() {
        let r = Fixture.run(Fixture.login("tech") + [
            .type("modbus read rs485-1 3 9 0\r"), .type("read nodot\r"), .type("stauts\r"), .type("modbus\r"), .type("modbus reed\r"),
            .type("show hydrant-mian\r"), .type("log 9000\r"), .type("gpio set relay-1 on --for forever\r"), .type("config get \"x\r"),
            .type("modbus read rs485-9 3 3 0\r"), .type("modbus read rs485-1 5 3 0\r"),
        ])
        let t = r.afterLogin
        #expect(unwrapped(t).contains("error: FC \"9\" must be one of 1 (coil), 2 (discrete input), 3 (holding register), 4 (input register)\r\nusage: modbus read BUS UNIT FC ADDR [N]"))
        #expect(t.contains("error: \"nodot\" is not a point: write DEVICE.POINT, e.g. hydrant-main.pressure\r\nusage: read POINT..."))
        #expect(t.contains("error: unknown command \"stauts\" (did you mean \"status\"?); type help for the list"))
        #expect(t.contains("error: modbus needs a subcommand: read, write, scan"))
        #expect(t.contains("error: modbus has no subcommand \"reed\" (did you mean \"read\"?)"))
        #expect(t.contains("error: show: no device \"hydrant-mian\" (did you mean \"hydrant-main\"?)\r\nusage: show DEVICE"))
        #expect(t.contains("error: N 9000 is out of range 1..500\r\nusage: log [N]"))
        #expect(t.contains("error: --for \"forever\": expected a duration"))
        #expect(t.contains("error: unterminated double quote (\") (column 12)"))
        #expect(t.contains("error: modbus read: no bus \"rs485-9\""))
        #expect(t.contains("error: modbus read: rs485-1 unit 5 holding @0: timeout (ETIMEDOUT)"))
        #expect(r.backend.calls.isEmpty)
    }

    @Test func modbusWriteAsksAndOnlyYesWrites() {
        let r = Fixture.run(Fixture.login("tech") + [
            .type("modbus write rs485-1 3 6 16 42\r"), .type("no\r"),
            .type("modbus write rs485-1 3 6 16 42\r"), .type("ye\u{03}"),
            .type("modbus write rs485-1 3 16 0x20 0x3E9A -1\r"), .type("yes\r"),
            .type("modbus read rs485-1 3 3 0x20 2\r"),
        ])
        #expect(r.afterLogin.contains("write 0x002A (42) to rs485-1 unit 3 FC6 holding register 16 (0x0010)?\r\ntype yes to go on: no\r\n"))
        #expect(r.afterLogin.components(separatedBy: "nothing written").count == 3)
        #expect(r.backend.calls.filter { $0.hasPrefix("modbus write") } == ["modbus write rs485-1 3 16 32 [16026, 65535]"])
        #expect(r.afterLogin.contains("32 (0x0020)  0x3E9A  16026     16026"))
        #expect(r.afterLogin.contains("33 (0x0021)  0xFFFF  65535     -1"))
        let audit = r.backend.auditEntries.first { $0.action == "modbus write" }
        #expect(audit?.target == "rs485-1 unit 3 FC16 holding register 32 (0x0020)")
        #expect(audit?.new == "0x3E9A (16026) 0xFFFF (65535)")
        #expect(audit?.user == "tech")
    }

    @Test func aLongJSONValueTypedAsHelpShowsIt() {
        // A 4 KB value (a realistic profile is 1–4 KB) on one line, double quotes as help shows.
        let names = (0..<330).map { "\"point-\($0)\"" }.joined(separator: ", ")
        let value = #"{"id": "my-tx", "names": ["# + names + "]}"
        #expect(value.utf8.count > 4000)
        let r = Fixture.run(Fixture.login("tech") + [.type("config set site.name " + value + "\r"), .type("config set site.name {\"a\": \r"), .type("\r"),
                                                     .type("config get devices[0].settings.low\r"),
                                                     .type("config set site.name {\r"), .type("  \"pasted\": [1,\r"), .type("    2]\r"), .type("}\r")])
        #expect(r.backend.calls.contains(#"config set site.name {"pasted":[1,2]}"#), "a value pasted over lines: \(r.backend.calls)")
        #expect(r.afterLogin.contains("... "), "continuation lines are prompted")
        #expect(unwrapped(r.afterLogin).contains("error: devices[0].settings.low is not set in the site config, so the app's default applies"), "\(r.afterLogin)")
        #expect(r.backend.calls.contains("config set site.name " + (try! JSONValue.parse(value)).serialized()), "\(r.backend.calls)")
        #expect(unwrapped(r.afterLogin).contains("error: unclosed { in the JSON value (close every { with } and [ with ]) (column 22)"), "\(r.afterLogin)")
    }

    @Test func configChangesAreValidatedAuditedAndSaved() {
        let r = Fixture.run(Fixture.login("tech") + [
            .type("config set devices[0].address 300\r"), .type("config set devices[0].address 5\r"), .type("config set buses[0].baud 19200\r"),
            .type("config diff\r"), .type("config save\r"), .type("config diff\r"), .type("config get site.name\r"),
        ])
        let t = r.afterLogin
        #expect(t.contains("error: config set: devices[0].address: must be a unit address 1-247, got 300\r\nusage: config set KEY VALUE"))
        #expect(t.contains("devices[0].address: 3 -> 5 (applied now; pending until config save)"))
        #expect(unwrapped(t).contains("buses[0].baud: 9600 -> 19200 (takes effect after restart: the bus is reopened at start; pending until config save)"))
        #expect(t.contains("devices[0].address: 3 -> 5\r\n"))
        #expect(t.contains("2 pending changes"))
        #expect(t.contains("saved /etc/fieldgate/site.json (previous kept as /etc/fieldgate/site.json.prev)"))
        #expect(t.contains("no pending changes"))
        #expect(t.contains("site.name = \"pump-room-7\""))
        let changes = r.backend.auditEntries.filter { $0.action == "config set" }
        #expect(changes.map { "\($0.target) \($0.old ?? "") \($0.new ?? "")" } == ["devices[0].address 3 5", "buses[0].baud 9600 19200"])
    }

    @Test func watchRunsUntilAKeyAndTheKeyIsConsumed() {
        let r = Fixture.run(Fixture.login("viewer") + [.type("watch hydrant-main.pressure lift-1.floor\r"), .quiet(.seconds(3)), .type("q"), .type("whoami\r")])
        let t = r.afterLogin
        #expect(t.contains("press any key to stop"))
        #expect(t.components(separatedBy: "pressure=0.31 MPa  floor=3").count >= 4)
        #expect(t.contains("viewer (viewer) on ttyS1"))
        #expect(!t.contains("qwhoami"))
    }

    @Test func watchInPlainModePrintsOnlyChanges() {
        let backend = MemoryBackend(clock: ManualClock(), users: Fixture.users)
        let r = Fixture.run(Fixture.login("viewer") + [.type("watch hydrant-main.pressure\r"), .quiet(.seconds(5)), .type(" ")],
                            terminal: .plain, backend: backend, clock: backend.clock)
        #expect(r.afterLogin.components(separatedBy: "pressure=0.31 MPa").count == 2)
        #expect(!r.afterLogin.contains("\u{1B}"))
    }

    @Test func trendDrawsASparklineFromHistory() {
        let clock = ManualClock()
        let backend = MemoryBackend(clock: clock, users: Fixture.users)
        backend.state.withLock { s in
            for m in 0..<60 { s.history.append(.number(0.30 + Double(m % 12) * 0.01, at: clock.now() - .minutes(60 - m))) }
        }
        let r = Fixture.run(Fixture.login("viewer") + [.type("trend hydrant-main.pressure\r"), .type("trend hydrant-main.pressure 10s\r")],
                            backend: backend, clock: clock)
        #expect(r.afterLogin.contains("hydrant-main.pressure over the last 1h"))
        #expect(r.afterLogin.contains("█"))
        #expect(r.afterLogin.contains("min 0.3 MPa at "))
        #expect(r.afterLogin.contains("max 0.41 MPa  now 0.31 MPa  60 readings"))
        #expect(r.afterLogin.contains("error: WINDOW \"10s\" is not a duration from 1m to 30d"))
    }

    @Test func trendShowsTheWorstMomentNotTheLowestAverage() {
        // Issue 15: after a burst the rapid-drop alarm carried 6.8e-05 MPa but trend said min 0.036
        // (a column's average). Ten minutes of 0.30 MPa, one second near zero, and the count is of
        // readings, not columns.
        let clock = ManualClock()
        let backend = MemoryBackend(clock: clock, users: Fixture.users)
        backend.state.withLock { s in
            for k in 0..<600 { s.history.append(.number(k == 300 ? 0.000068 : 0.30, at: clock.now() - .seconds(600 - k))) }
        }
        let r = Fixture.run(Fixture.login("viewer") + [.type("trend hydrant-main.pressure 10m\r")], backend: backend, clock: clock)
        let t = r.afterLogin
        #expect(t.contains("min 0 MPa at "), "\(t)")
        // "now" (0.31 MPa, the point's reading) lies inside [min, max].
        #expect(t.contains("max 0.31 MPa  now 0.31 MPa  600 readings"), "\(t)")
    }

    @Test func scanReportsProgressAndStopsOnAKey() {
        let r = Fixture.run(Fixture.login("tech") + [.type("modbus scan rs485-1 1-20\r"), .quiet(.seconds(1)), .type("modbus scan rs485-1\r"), .type("x")])
        let t = r.afterLogin
        #expect(t.contains("unit 3: holding 0 = 0x3E9A  (hydrant-main)"))
        #expect(t.contains("unit 9: holding 0 = 0x3E9A  (not in the site config)"))
        #expect(t.contains("20/20 probed"))
        #expect(t.contains("2 units answered: 3 9"))
        #expect(t.contains("expected but silent: 4"))
        #expect(t.contains("stopped: 0 units answered"))
        #expect(r.backend.calls.filter { $0.hasPrefix("probe") }.count == 21)
    }

    @Test func wordOrderHelperDecodesAllFourOrders() {
        let r = Fixture.run(Fixture.login("tech") + [.type("modbus word-order 0x0000 0x3FC0\r"), .type("modbus word-order rs485-1 3 0\r")])
        #expect(r.afterLogin.contains("CDAB   3F C0 00 00  1.5"))
        #expect(r.afterLogin.contains("rs485-1 unit 3 FC3 0 and 1:"))
        #expect(r.afterLogin.contains("ABCD   3E 9A 00 00  0.3007813"))
    }

    @Test func deviceActionsForAReplacedTransmitter() {
        // set-address and set-baud are declared for admins (a device's identity, its bus settings).
        let r = Fixture.run(Fixture.login("admin") + [
            .type("modbus calibrate hydrant-main\r"), .type("modbus set-address hydrant-main 3 --from 1\r"), .type("yes\r"),
            .type("modbus baud hydrant-main 1200\r"), .type("modbus calibrate hydrant-main zero\r"), .type("yes\r"),
            .type("modbus calibrate lamp-a zero\r"),
        ])
        let t = r.afterLogin
        #expect(t.contains("set-address ADDRESS"))
        #expect(t.contains("run set-address 3 on hydrant-main (at unit 1)?\r\ntype yes to go on: yes"))
        #expect(t.contains("unit 1 now answers at 3"))
        #expect(t.contains("unit 1 now answers at 3; devices[0].address is already 3"), "\(t)")
        // The profile's schema (fg-pressure-tx) words the refusal and the listing.
        #expect(t.contains("error: set-baud: baud: 1200 is not one of 2400, 4800, 9600, 19200, 38400, 57600,"), "\(t)")
        #expect(t.contains("Take the present pressure as zero. Close the isolating valve and vent the transmitter to air first."))
        #expect(t.contains("[ADDRESS 1…247]"))
        #expect(t.contains("error: the profile of lamp-a defines no zero"))
        #expect(r.backend.calls == ["action hydrant-main set-address 3 from 1", "action hydrant-main zero - from -"])
    }

    /// Issue 19: an app's commands are listed, completed and checked from the schema the app
    /// declares (here the lift's own), with units and ranges; a refused value never runs.
    @Test func appCommandsComeFromTheAppsSchema() {
        let r = Fixture.run(Fixture.login("tech") + [
            .type("app lift-1\r"), .type("app lift-1 set-floor 1000\r"), .type("app lift-1 set-floor 3\r"),
            .type("app lift-1 maintenance start for=2h\r"), .type("app lift-1 fly\r"), .type("app lift-1 set-floor car=2\r"),
        ])
        let t = unwrapped(r.afterLogin)
        #expect(t.contains("set-floor FLOOR"), "\(t)")
        #expect(t.contains("maintenance ACTION [for=…]"))
        #expect(t.contains("floor       -99…999; the floor's label"))
        #expect(t.contains("for         1m…1d; how long, with start"))
        #expect(t.contains("error: app: set-floor: floor: 1000 is out of range (expected -99…999)"))
        #expect(t.contains(#"lift-1 set-floor: {"floor":3}"#))
        #expect(t.contains(#"error: lift-1 has no app command "fly" (its app takes status, stats, maintenance, set-floor)"#), "restore-stats is the admin's")
        #expect(t.contains(#"error: set-floor has no parameter "car" (it takes floor)"#))
        #expect(r.backend.calls.filter { $0.hasPrefix("app ") }.count == 2, "only the two accepted commands ran: \(r.backend.calls)")

        let completer = CommandCompleter(registry: .standard(), role: .technician, backend: r.backend)
        #expect(completer.candidates(words: ["app", "lift-1"], partial: "") == ["status", "stats", "maintenance", "set-floor"])
        #expect(completer.candidates(words: ["app", "lift-1", "maintenance"], partial: "") == ["action=", "for=", "start", "end"])
        #expect(completer.candidates(words: ["app", "lift-1", "maintenance"], partial: "action=") == ["action=start", "action=end"])
        #expect(completer.candidates(words: ["app", "lamp-a"], partial: "").isEmpty, "no app commands there")
    }

    /// Issue 19: app and profile commands declare the role they need; the console lists and
    /// completes only what the user's role allows, and refuses the rest naming the role, before
    /// anything is asked or sent.
    @Test func declaredRolesGateAppAndProfileCommands() {
        let tech = Fixture.run(Fixture.login("tech") + [
            .type("app lift-1\r"), .type("app lift-1 restore-stats trips=5\r"),
            .type("modbus calibrate hydrant-main\r"), .type("modbus calibrate hydrant-main set-baud 9600\r"),
            .type("modbus set-address hydrant-main 3\r"),
        ])
        let t = unwrapped(tech.afterLogin)
        #expect(t.contains("set-floor FLOOR"), "\(t)")
        #expect(!t.contains("restore-stats [trips=…]"), "the admin's command is not offered")
        #expect(t.contains("(1 more needs the admin role)"))
        #expect(t.contains("error: app restore-stats needs the admin role; tech is technician"))
        #expect(t.contains("Take the present pressure as zero."))
        #expect(!t.contains("set-baud BAUD") && !t.contains("set-address ADDRESS"))
        #expect(t.contains("(2 more need the admin role)"))
        #expect(t.contains("error: set-baud on hydrant-main needs the admin role; tech is technician"))
        #expect(t.contains("error: modbus set-address needs the admin role; tech is technician"))
        // Config changes that would make a technician or the platform an admin are judged by the
        // config store, before and after (ConfigRolesTests; GatewayConsoleTests on a real gateway).
        #expect(!t.contains("type yes to go on"), "nothing was asked")
        #expect(tech.backend.calls.filter { $0.hasPrefix("app ") || $0.hasPrefix("action ") || $0.hasPrefix("config") }.isEmpty,
                "\(tech.backend.calls)")

        let viewer = Fixture.run(Fixture.login("viewer") + [.type("app lift-1 status\r"), .type("show hydrant-main\r")])
        #expect(viewer.afterLogin.contains("error: app needs the technician role; viewer is viewer"), "\(viewer.afterLogin)")
        #expect(viewer.afterLogin.contains("actions (modbus calibrate hydrant-main ACTION):\r\n  (3 more need a higher role than viewer)"),
                "show lists no action to a viewer: \(viewer.afterLogin)")

        let admin = Fixture.run(Fixture.login("admin") + [.type("app lift-1\r"), .type("app lift-1 restore-stats trips=5\r")])
        let a = unwrapped(admin.afterLogin)
        #expect(a.contains("restore-stats [trips=…]"), "\(a)")
        #expect(!a.contains("more need"))
        #expect(admin.backend.calls.contains(#"app lift-1 restore-stats {"trips":5}"#), "\(admin.backend.calls)")

        let asTech = CommandCompleter(registry: .standard(), role: .technician, backend: tech.backend)
        let asAdmin = CommandCompleter(registry: .standard(), role: .admin, backend: tech.backend)
        #expect(asTech.candidates(words: ["modbus", "calibrate", "hydrant-main"], partial: "") == ["zero"])
        #expect(asAdmin.candidates(words: ["modbus", "calibrate", "hydrant-main"], partial: "") == ["set-address", "set-baud", "zero"])
        #expect(!asTech.candidates(words: ["app", "lift-1"], partial: "").contains("restore-stats"))
        #expect(asAdmin.candidates(words: ["app", "lift-1"], partial: "").contains("restore-stats"))
        #expect(asTech.candidates(words: ["app", "lift-1", "restore-stats"], partial: "").isEmpty)
        #expect(!asTech.candidates(words: ["modbus"], partial: "").contains("set-address"))
        #expect(asAdmin.candidates(words: ["modbus"], partial: "").contains("set-address"))
    }

    /// Issue 19: a command's value is read by its declaration's type, so a fractional
    /// parameter takes `120.5`; its range is the declaration's, checked before the question.
    @Test func commandValuesAreReadByTheirDeclaredType() {
        let r = Fixture.run(Fixture.login("tech") + [
            .type("modbus calibrate lamp-a\r"), .type("modbus calibrate lamp-a set-power-limit 120.5\r"), .type("yes\r"),
            .type("modbus calibrate lamp-a set-power-limit 300.5\r"), .type("modbus calibrate lamp-a set-power-limit abc\r"),
            .type("modbus calibrate lamp-a set-power-limit\r"), .type("modbus calibrate hydrant-main zero 3.5\r"),
        ])
        let t = unwrapped(r.afterLogin)
        #expect(t.contains("set-power-limit LIMIT"), "\(t)")
        #expect(t.contains("Caps the driver's power. [LIMIT 0…250 W, fractional]"))
        #expect(t.contains("run set-power-limit 120.5 on lamp-a?"))
        #expect(t.contains("lamp-a (unit 3) took set-power-limit 120.5"))
        #expect(t.contains("error: set-power-limit: limit: 300.5 is out of range (expected 0…250)"))
        #expect(t.contains(#"error: LIMIT "abc" is not a number (0…250 W, fractional)"#))
        #expect(t.contains("error: set-power-limit needs LIMIT (0…250 W, fractional)"))
        #expect(t.contains("error: zero takes no value, got \"3.5\""))
        #expect(r.backend.calls == ["action lamp-a set-power-limit 120.5 from -"])
    }

    @Test func outputsLampsLiftsMaintenanceDateAndAudit() {
        let r = Fixture.run(Fixture.login("tech") + [
            .type("gpio set relay-1 on\r"), .type("gpio set door-1 on --for 1s\r"), .type("gpio get\r"), .type("lamp lamp-a dim 40 --for 2h\r"),
            .type("lamp lamp-a blink\r"), .type("lift status\r"), .type("maintenance start --for 2h\r"), .type("maintenance end\r"),
            .type("date set 2026-03-01 14:30\r"), .type("yes\r"), .type("date\r"), .type("ack all\r"), .type("alarms\r"), .type("audit\r"),
        ])
        let t = r.afterLogin
        #expect(t.contains("relay-1 (output): active, reverts at 08:00:10"))
        #expect(t.contains("error: gpio set: door-1 is an input"))
        #expect(t.contains("relay-1  output     -         active"))
        #expect(t.contains("lamp-a: on, dim 40%, manual until 2026-01-01 10:00:00"))
        #expect(t.contains("error: lamp: action must be one of: on, off, dim, auto"), "the app's refusal, as the platform gets it")
        #expect(t.contains("lift-1  3      stopped  yes        closed  no        normal  closed  ok     -"))
        #expect(t.contains("maintenance: whole site by tech since 2026-01-01 08:00:00 until 2026-01-01 10:00:00"))
        #expect(t.contains("set the system clock from 2026-01-01 08:00:00 to 2026-03-01 14:30:00 (UTC+08:00)?"), "\(t)")
        #expect(t.contains("clock set to 2026-03-01 14:30:00"))
        #expect(t.contains("acknowledged hydrant-main.pressure/low-pressure (major, still active)"))
        #expect(t.contains("by tech"))
        #expect(r.backend.calls.contains("date set 2026-03-01T06:30:00.000Z"))
        #expect(r.backend.calls.contains("gpio set relay-1 true 10s"))
        #expect(r.backend.calls.contains(#"lamp lamp-a {"action":"dim","for":"2h","level":40}"#))
        let actions = r.backend.auditEntries.map(\.action)
        #expect(actions == ["login", "gpio set", "lamp", "maintenance start", "maintenance end", "date set", "ack", "logout"])
        #expect(t.contains("console ttyS1  gpio set"))
    }

    @Test func adminOnlyFactoryResetAsksFirst() {
        let r = Fixture.run(Fixture.login("admin") + [.type("factory-reset\r"), .type("\r"), .type("factory-reset\r"), .type("yes\r")])
        #expect(r.afterLogin.contains("ERASE the site config of pump-room-7 and restart?\r\ntype yes to go on:"))
        #expect(r.afterLogin.contains("nothing erased"))
        #expect(r.backend.calls == ["factory-reset"])
    }

    @Test func passwdChangesTheOwnHashWithoutEcho() {
        let r = Fixture.run(Fixture.login("tech") + [.type("passwd\r"), .type(Fixture.password + "\r"), .type("new-secret-1\r"), .type("new-secret-1\r"),
                                                     .type("passwd\r"), .type("wrong\r")])
        #expect(r.afterLogin.contains("password changed in console.users[1].hash"))
        #expect(r.afterLogin.contains("error: the current password is wrong"))
        #expect(!r.text.contains("new-secret-1"))
        let hash = r.backend.consoleUsers()[1].passwordHash
        #expect(PasswordHasher.verify(SecretBytes(Array("new-secret-1".utf8)), against: hash))
        #expect(r.backend.auditEntries.contains { $0.action == "passwd" && $0.new == "(new hash)" })
    }

    @Test func helpListsByRoleAndExplainsOneCommand() {
        let r = Fixture.run(Fixture.login("viewer") + [.type("help\r"), .type("help modbus write\r"), .type("help modbus\r"), .type("help nothing\r")])
        let t = r.afterLogin
        #expect(t.contains("commands (help COMMAND for details and examples):"))
        #expect(t.contains("status"))
        #expect(!t.contains("  factory-reset"))
        #expect(t.contains("more need a higher role than viewer"))
        #expect(t.contains("usage: modbus write BUS UNIT FC ADDR VALUE...\r\nwrite coils or registers (asks to confirm)\r\nrole: technician or above"))
        #expect(t.contains("  modbus write rs485-1 3 6 0x0010 1"))
        #expect(t.contains("modbus scan BUS [FROM-TO]"))
        #expect(t.contains("error: no command \"nothing\"; help lists them"))
    }

    @Test(arguments: [false, true])
    func keystrokesWithEscapesSplitAtEveryByte(byteByByte: Bool) {
        let keys = "sttus\u{1B}[D\u{1B}[D\u{1B}[Da\r" + "xx\u{1B}[3~\u{7F}\u{7F}sho\t hyd\t" + "m\t\r" + "read hydrant-main.pr\t\r" + "\u{1B}[A\u{1B}[A\u{1B}OF\u{17}\u{17}\u{17}whoami\r"
        let steps: [ScriptedTerminal.Step] = byteByByte ? ScriptedTerminal.Step.typeByteByByte(keys) : [.type(keys)]
        let r = Fixture.run(Fixture.login("tech") + steps)
        let t = r.afterLogin
        #expect(t.contains("site pump-room-7"))
        #expect(t.contains("hydrant-main  profile fg-pressure-tx  online  rs485-1 unit 3"))
        #expect(t.contains("hydrant-main.pressure = 0.31 MPa  good"))
        #expect(t.contains("tech (technician) on ttyS1"))
        #expect(!t.contains("error:"))
    }

    @Test func probeFindsAnANSITerminalAndItsWidth() {
        let r = Fixture.run([.type("\u{1B}[24;132R")] + Fixture.login("viewer") + [.type("whoami\r")], terminal: .auto)
        #expect(r.mode == .ansi)
        #expect(r.text.hasPrefix("\u{1B}7\u{1B}[999;999H\u{1B}[6n\u{1B}8"))
    }

    @Test func probeFallsBackToPlainWithNoEscapesAfterIt() throws {
        let r = Fixture.run([.quiet(.seconds(1))] + Fixture.login("viewer") + [.type("sttus\u{1B}[D\u{1B}[D\u{1B}[Da\r"), .type("\u{1B}[A\r")], terminal: .auto)
        #expect(r.mode == .plain)
        let probe = "\u{1B}7\u{1B}[999;999H\u{1B}[6n\u{1B}8"
        #expect(r.text.hasPrefix(probe))
        #expect(!r.text.dropFirst(probe.count).contains("\u{1B}"))
        #expect(r.afterLogin.components(separatedBy: "site pump-room-7").count == 3)
    }

    @Test func typedAheadLinesRunInOrder() {
        let r = Fixture.run(Fixture.login("viewer") + [.type("whoami\rversion\rdate\r")])
        let t = r.afterLogin
        let a = t.range(of: "viewer (viewer)")!, b = t.range(of: "fieldgate 0.1")!, c = t.range(of: "source manual")!
        #expect(a.lowerBound < b.lowerBound && b.lowerBound < c.lowerBound)
    }
}
