import Foundation

/// A certificate authority, a server certificate for 127.0.0.1/localhost and a client
/// certificate, made with `openssl` in a temp directory (EC P-256 keys: fast to make).
package struct TestCertificates {
    package let directory: TemporaryDirectory
    package var caFile: String { directory.file("ca.crt") }
    package var serverCert: String { directory.file("server.crt") }
    package var serverKey: String { directory.file("server.key") }
    package var clientCert: String { directory.file("client.crt") }
    package var clientKey: String { directory.file("client.key") }

    /// Makes a CA named `authority` and a server and a client certificate signed by it.
    /// - Parameter serverNames: the server certificate's subjectAltName (another name than the
    ///   broker's address makes a host name mismatch).
    package init(authority: String = "Fieldgate Test CA", client: String = "gateway-test",
                serverNames: String = "IP:127.0.0.1,DNS:localhost") throws {
        directory = try TemporaryDirectory("certs")
        let d = directory
        try TestCertificates.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                      "-keyout", d.file("ca.key"), "-out", d.file("ca.crt"), "-days", "2", "-subj", "/CN=\(authority)",
                                      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try sign(name: "server", subject: "/CN=localhost", extensions: "subjectAltName=\(serverNames)\nextendedKeyUsage=serverAuth\n")
        try sign(name: "client", subject: "/CN=\(client)", extensions: "extendedKeyUsage=clientAuth\n")
    }

    private func sign(name: String, subject: String, extensions: String) throws {
        let d = directory
        try TestCertificates.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                      "-keyout", d.file("\(name).key"), "-out", d.file("\(name).csr"), "-subj", subject])
        try extensions.write(toFile: d.file("\(name).ext"), atomically: true, encoding: .utf8)
        try TestCertificates.openssl(["x509", "-req", "-in", d.file("\(name).csr"), "-CA", d.file("ca.crt"), "-CAkey", d.file("ca.key"),
                                      "-CAcreateserial", "-out", d.file("\(name).crt"), "-days", "2", "-extfile", d.file("\(name).ext")])
    }

    private static func openssl(_ arguments: [String]) throws {
        try MosquittoBroker.runTool("openssl", arguments)
    }

    /// The broker's TLS settings for these files.
    package func brokerTLS(requireClientCertificate: Bool = true) -> MosquittoBroker.TLS {
        MosquittoBroker.TLS(caFile: caFile, certFile: serverCert, keyFile: serverKey, requireClientCertificate: requireClientCertificate)
    }

    /// `mosquitto_sub`/`mosquitto_pub` options to connect with the client certificate.
    package var clientOptions: [String] { ["--cafile", caFile, "--cert", clientCert, "--key", clientKey] }
}
