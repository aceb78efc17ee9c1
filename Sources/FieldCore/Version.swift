/// The firmware's version, reported by `version`, in MQTT attributes and in the console banner.
package enum FieldgateVersion {
    package static let string = "0.1.0"
}
