import FieldCore
import Testing
@testable import FieldDevices

@Suite struct SiteTests {
    static let profiles = """
      "profiles": [
        {"id": "my-pt", "family": "fire-water", "app": "pressure",
         "points": [{"name": "pressure", "table": "input", "address": 0, "type": "f32", "wordOrder": "CDAB", "unit": "MPa"}]},
        {"id": "my-contacts", "family": "fire-water",
         "signals": [{"name": "valve-open", "direction": "in"}, {"name": "siren", "direction": "out"}]}
      ]
    """

    func site(_ body: String) throws -> Site {
        try Site.parse(try JSONValue.parse("{\(body), \(SiteTests.profiles)}"), source: "site.json", builtins: [:])
    }

    func issues(_ body: String) -> [String] {
        do {
            _ = try site(body)
            return []
        } catch let e as ConfigError {
            return e.issues.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func aGoodSiteReads() throws {
        let s = try site("""
          "site": {"id": "pump-room-7", "latitude": 34.03, "longitude": 113.85, "utcOffset": "+08:00"},
          "board": "sim",
          "buses": [{"name": "rs485-1", "type": "rtu", "port": "rs485-1", "baud": 9600, "parity": "E"},
                    {"name": "plc", "type": "tcp", "host": "10.0.0.5", "port": 1502, "responseTimeout": "2s"}],
          "devices": [{"id": "main", "profile": "my-pt", "bus": "rs485-1", "address": 3, "poll": "500ms",
                       "points": {"pressure": {"deadband": 0.005}}, "settings": {"category": "municipal-hydrant"}},
                      {"id": "room", "profile": "my-contacts", "signals": {"valve-open": "DI1", "siren": "DO5"}}],
          "uplink": {"url": "mqtts://gw7:s%40cret@iot.example.cn:8883", "tls": {"ca": "/etc/fieldgate/ca.pem"}},
          "console": {"users": [{"name": "tech", "role": "technician", "hash": "$y$j9T$abcdefghijklmnop$0123456789abcdefghijklmnopqrstuvwxyzABCDEF"}]}
        """)
        #expect(s.info.utcOffsetMinutes == 480)
        guard case .rtu(let link)? = s.bus("rs485-1")?.link else {
            Issue.record("rs485-1 is an RTU bus")
            return
        }
        #expect(link.parity == .even && link.bitsPerCharacter == 11)
        #expect(abs(link.frameGap.inSeconds - 0.004010) < 0.00001, "t3.5 at 9600 baud, 11 bits ≈ 4.01 ms")
        #expect(s.device("main")?.profile.point("pressure")?.deadband == 0.005)
        #expect(s.device("main")?.poll == .milliseconds(500))
        #expect(s.device("room")?.signals == ["valve-open": "DI1", "siren": "DO5"])
        #expect(s.uplink?.url.password == "s@cret" && s.uplink?.url.port == 8883 && s.uplink?.url.secure == true)
        #expect(s.uplink?.url.description == "mqtts://gw7@iot.example.cn:8883")
        #expect(s.console.users.first?.role == .technician)
        #expect(s.uplink?.rpcRole == .technician, "the platform acts as a technician unless the site says otherwise")
        let admin = try site(#""site": {"id": "p7"}, "board": "sim", "uplink": {"url": "mqtt://x", "rpcRole": "admin"}"#)
        #expect(admin.uplink?.rpcRole == .admin)

        let board = try Board.load(path: repositoryRoot + "/boards/sim.json", environment: ["FIELDSIM_DIR": "/x", "STATE_DIR": "/y"])
        #expect(s.check(against: board).isEmpty)
    }

    @Test func everyErrorAtOnceWithItsPath() {
        let found = issues("""
          "site": {"id": "bad site", "utcOffset": "8"},
          "board": "sim",
          "buses": [{"name": "rs485-1", "type": "rtu", "port": "rs485-1", "baud": 9601},
                    {"name": "rs485-1", "type": "can"}],
          "devices": [{"id": "main", "profile": "my-ptt", "bus": "rs485-9", "address": 3},
                      {"id": "pt2", "profile": "my-pt", "bus": "rs485-1"},
                      {"id": "pt3", "profile": "my-pt", "bus": "rs485-1", "address": 300, "pol": "1s",
                       "points": {"pressure": {"wordOrder": "DCAB"}, "flow": {}}},
                      {"id": "room", "profile": "my-contacts", "signals": {"valve": "DI1"}}],
          "uplink": {"url": "http://x", "rpcRole": "root"},
          "console": {"users": [{"name": "tech", "role": "root", "hash": "secret123"}]}
        """)
        let expected = [
            "site.id: \"bad site\" is not a valid id",
            "site.utcOffset: expected an offset like \"+08:00\", got \"8\"",
            "buses[0].baud: 9601 is not a standard baud rate",
            "buses[1].type: \"can\" is not allowed",
            "devices[0].profile: unknown profile \"my-ptt\" (did you mean \"my-pt\"?)",
            "devices[0].bus: no bus named \"rs485-9\"",
            "devices[1].address: missing",
            "devices[2].address: 300 is out of range",
            "devices[2].pol: unknown key (did you mean \"poll\"?)",
            "devices[2].points.pressure.wordOrder: unknown value \"DCAB\"",
            "devices[2].points.flow: profile my-pt has no Modbus point named \"flow\"",
            "devices[3].signals.valve: profile my-contacts has no signal \"valve\" (signals: valve-open, siren)",
            "uplink.url: expected mqtt://",
            "uplink.rpcRole: unknown value \"root\"",
            "console.users[0].role: unknown value \"root\"",
            "console.users[0].hash: not a crypt(3) hash",
        ]
        for e in expected {
            #expect(found.contains { $0.hasPrefix(e) }, "missing: \(e)\nfound:\n\(found.joined(separator: "\n"))")
        }
    }

    @Test func boardMismatchesAreNamed() throws {
        let s = try site("""
          "site": {"id": "x"}, "board": "sim",
          "buses": [{"name": "a", "type": "rtu", "port": "rs485-7"}, {"name": "b", "type": "rtu", "port": "rs485-1"},
                    {"name": "c", "type": "rtu", "port": "rs485-1"}],
          "devices": [{"id": "r1", "profile": "my-contacts", "signals": {"valve-open": "DO1", "siren": "DO2"}},
                      {"id": "r2", "profile": "my-contacts", "signals": {"valve-open": "DI99", "siren": "DO2"}},
                      {"id": "r3", "profile": "my-contacts", "signals": {"valve-open": "DI1", "siren": "LED-RUN"}}]
        """)
        let board = try Board.load(path: repositoryRoot + "/boards/sim.json", environment: ["FIELDSIM_DIR": "/x", "STATE_DIR": "/y"])
        let found = s.check(against: board).map(\.description)
        #expect(found.contains { $0.hasPrefix("buses[0].port: board sim has no serial port \"rs485-7\"") })
        #expect(found.contains("buses[2].port: port rs485-1 is already bus \"b\""))
        #expect(found.contains("devices[0].signals.valve-open: DO1 is an output on board sim, but valve-open is an input"))
        #expect(found.contains("devices[1].signals.valve-open: board sim has no line \"DI99\" (did you mean \"DI9\"?)"))
        #expect(found.contains("devices[1].signals.siren: line DO2 is already used by r1.siren"))
        #expect(found.contains("devices[2].signals.siren: line LED-RUN is already used by the board's run LED"))
    }

    /// check-config and the runtime agree: a telemetry interval the engine cannot honour is
    /// refused, and so are TCP unit ids libmodbus cannot send; unit 0 is fine on TCP.
    @Test func telemetryModesIntervalsAndTCPUnitIds() throws {
        let tcp = #""site": {"id": "s"}, "board": "sim", "buses": [{"name": "plc", "type": "tcp", "host": "10.0.0.5"}]"#
        let good = try site(tcp + #", "devices": [{"id": "native", "profile": "my-pt", "bus": "plc", "address": 0}], "storage": {"telemetry": "changes"}"#)
        #expect(good.device("native")?.address == 0 && good.storage.telemetryMode == .changes)
        #expect(try site(tcp).storage.telemetryMode == .every, "every sample by default")
        let found = issues(tcp + #", "devices": [{"id": "odd", "profile": "my-pt", "bus": "plc", "address": 250}], "storage": {"telemetryInterval": "500ms", "telemetry": "all"}"#)
        for e in ["devices[0].address: 250 is not a usable unit id on Modbus TCP",
                  "storage.telemetryInterval: 500ms is out of range (expected 1s…1h)",
                  "storage.telemetry: unknown value \"all\" (expected one of: every, changes, latest)"] {
            #expect(found.contains { $0.hasPrefix(e) }, "missing: \(e)\nfound:\n\(found.joined(separator: "\n"))")
        }
    }

    @Test func urlsAndSizes() {
        #expect(MQTTURL("mqtt://localhost")?.port == 1883)
        #expect(MQTTURL("mqtt://[::1]:1884")?.host == "::1")
        #expect(MQTTURL("mqtt://:1883") == nil)
        #expect(MQTTURL("mqtt://host:99999") == nil)
        #expect(parseByteSize("64MB") == 64 << 20)
        #expect(parseByteSize("1.5 GB") == 3 << 29)
        #expect(parseUTCOffset("-03:30") == -210)
        #expect(parseUTCOffset("+8") == 480)
    }
}

@Suite struct SiteDuplicateTests {
    @Test func duplicatesAreNamedWithTheFirstPlace() throws {
        let doc = try JSONValue.parse("""
        {"site": {"id": "x"}, "board": "sim",
         "buses": [{"name": "a", "type": "tcp", "host": "h"}, {"name": "a", "type": "tcp", "host": "h2"}],
         "profiles": [{"id": "p", "family": "generic", "points": [{"name": "v", "table": "holding", "address": 0, "type": "u16"}]}],
         "devices": [{"id": "d1", "profile": "p", "bus": "a", "address": 1}, {"id": "d2", "profile": "p", "bus": "a", "address": 1}]}
        """)
        do {
            _ = try Site.parse(doc, source: "s.json", builtins: [:])
            Issue.record("expected errors")
        } catch {
            let found = error.issues.map(\.description)
            #expect(found.contains("buses[1]: bus \"a\" is defined twice (first at buses[0])"))
            #expect(found.contains("devices[1].address: unit 1 on a is already device \"d1\""))
        }
    }
}

@Suite struct AlarmSpecTests {
    @Test func genericAlarmsReadWithDefaultsAndErrors() throws {
        let doc = try JSONValue.parse("""
        {"site": {"id": "x"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "p", "family": "generic", "points": [{"name": "temp", "table": "input", "address": 0, "type": "i16", "scale": 0.1}]}],
         "devices": [{"id": "d", "profile": "p", "bus": "b", "address": 1,
                      "alarms": [{"point": "temp", "when": "above", "limit": 60, "hysteresis": 2, "onDelay": "10s", "severity": "major"},
                                 {"point": "temp", "when": "stale", "maxAge": "5m"}]}]}
        """)
        let site = try Site.parse(doc, source: "s.json", builtins: [:])
        let alarms = try #require(site.device("d")?.alarms)
        #expect(alarms.map(\.type) == ["high-temp", "temp-stale"])
        #expect(alarms[0].kind == .high(limit: 60, hysteresis: 2) && alarms[0].severity == .major && alarms[0].onDelay == .seconds(10))

        let bad = try JSONValue.parse("""
        {"site": {"id": "x"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "p", "family": "generic", "points": [{"name": "temp", "table": "input", "address": 0, "type": "i16"}]}],
         "devices": [{"id": "d", "profile": "p", "bus": "b", "address": 1,
                      "alarms": [{"point": "tmp", "when": "over", "limit": "60"}, {"point": "temp", "when": "drop"}]}]}
        """)
        do {
            _ = try Site.parse(bad, source: "s.json", builtins: [:])
            Issue.record("expected errors")
        } catch {
            let found = error.issues.map(\.description)
            #expect(found.contains("devices[0].alarms[0].point: the device has no point \"tmp\" (points: temp)"))
            #expect(found.contains { $0.hasPrefix("devices[0].alarms[0].when: \"over\" is not allowed") })
            #expect(found.contains("devices[0].alarms[1].change: missing (required)"))
            #expect(found.contains("devices[0].alarms[1].window: missing (required)"))
        }
    }
}
