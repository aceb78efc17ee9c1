/// A libmosquitto call that failed, with the function, the broker or file it was about, and the
/// errno where the failure came from the system.
package struct MQTTError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libmosquitto's `MOSQ_ERR_*` code (0 when the broker refused the connection: see `refusal`).
    package var code: Int32
    /// The libmosquitto function, e.g. `mosquitto_connect_async`.
    package var function: String
    /// What the call was about: the broker (`host:port`), a TLS file, a topic.
    package var subject: String
    /// libmosquitto's text for the code, or the system's for an errno.
    package var message: String
    /// The system error, for `MOSQ_ERR_ERRNO` (connection refused, host unreachable, …).
    package var errno: Int32?
    /// The broker's CONNACK return code when it refused the connection (1–5).
    package var refusal: Int32?

    package init(code: Int32, function: String, subject: String, message: String, errno: Int32? = nil, refusal: Int32? = nil) {
        self.code = code
        self.function = function
        self.subject = subject
        self.message = message
        self.errno = errno
        self.refusal = refusal
    }

    package var description: String {
        var s = "\(function) (\(subject)): \(message)"
        if let errno { s += " (errno \(errno))" }
        return s
    }

    /// True when the broker refused the credentials (CONNACK 4 bad user name or password, 5 not
    /// authorised): retrying will not help until someone fixes them.
    package var isAuthenticationFailure: Bool { refusal == 4 || refusal == 5 }
}
