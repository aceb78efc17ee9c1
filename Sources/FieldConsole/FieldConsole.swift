/// The technician console.
public enum FieldConsole {}
