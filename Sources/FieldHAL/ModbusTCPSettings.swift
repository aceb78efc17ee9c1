/// A Modbus TCP endpoint.
package struct ModbusTCPSettings: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IPv4/IPv6 address of the device or gateway.
    package var host: String
    /// TCP port, 502 by default.
    package var port: Int

    package init(host: String, port: Int = 502) {
        self.host = host
        self.port = port
    }

    /// `10.0.0.5:502`, `[fd00::5]:502`.
    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    var problem: String? {
        if host.isEmpty { return "tcp host is empty" }
        if !(1...65535).contains(port) { return "tcp port \(port) outside 1–65535" }
        return nil
    }
}
