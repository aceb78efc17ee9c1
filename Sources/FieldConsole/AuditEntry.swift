import FieldRuntime

/// One audited change (who, when, from where, what, old → new): the runtime's record, which the
/// audit log stores.
package typealias AuditEntry = AuditRecord
