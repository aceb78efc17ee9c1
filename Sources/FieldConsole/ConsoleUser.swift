import FieldDevices

/// The console's roles are the site config's (`FieldDevices.ConsoleUser.Role`); the console
/// checks them by name only.
public typealias Role = ConsoleUser.Role
