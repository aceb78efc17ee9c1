import FieldCore
import Testing
@testable import FieldConsole

@Suite struct RedactionTests {
    @Test func passwordHashesAndTheBrokerPasswordAreNeverShown() {
        #expect(redacted("$y$j9T$abc", at: "console.users[0].hash") == "(crypt hash)")
        #expect(redacted("mqtts://pr07:s3cr:et@iot.example.cn:8883", at: "uplink.url") == "mqtts://pr07:***@iot.example.cn:8883")
        #expect(redacted("mqtt://iot.example.cn:1883", at: "uplink.url") == "mqtt://iot.example.cn:1883", "no password, nothing hidden")
        #expect(redacted("mqtt://gw@iot.example.cn", at: "uplink.url") == "mqtt://gw@iot.example.cn", "a user name alone is not a secret")
        let uplink: JSONValue = ["url": "mqtt://u:p@h:1883", "clientId": "gw-7"]
        #expect(redacted(uplink, at: "uplink") == ["url": "mqtt://u:***@h:1883", "clientId": "gw-7"])
    }
}
