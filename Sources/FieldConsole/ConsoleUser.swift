import FieldDevices

/// The console's roles are the site config's (`FieldDevices.ConsoleUser.Role`); the console
/// checks them by name only.
package typealias Role = ConsoleUser.Role
