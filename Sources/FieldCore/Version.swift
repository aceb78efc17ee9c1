/// The firmware's version, reported by `version`, in MQTT attributes and in the console banner.
public enum FieldgateVersion {
    public static let string = "0.1.0"
}
