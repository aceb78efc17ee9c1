/// Device profiles, value codecs, read planning and the built-in profiles.
public enum FieldDevices {}
