import FieldRuntime

/// What `status` shows of the uplink to the platform and the outbox behind it. The daemon fills
/// it from whatever carries its messages, so the console does not depend on how the uplink is
/// built.
package protocol UplinkMonitor: Sendable {
    func uplinkStatus() -> UplinkStatus
    func outboxStatus() -> OutboxStatus
}
