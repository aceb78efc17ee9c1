import FieldCore
import Synchronization

/// The centre's last time sync (control command, data unit 90): its clock minus the gateway's.
/// A user information transmission device sets its clock from the centre's time sync, so every
/// time label it sends from then on is on the centre's clock: the frame headers, heartbeats and
/// answers the link makes, and the event and sample times of the records stored from then on.
/// The link and the translator share one, so no frame mixes two clocks (docs/gb26875.md, "The
/// link"). The system clock itself stays NTP's; the offset lasts until the gateway restarts.
package final class GB26875TimeSync: Sendable {
    private let value = Mutex<Duration>(.zero)

    package init() {}

    /// The centre's clock minus ours; zero until the centre sends a time sync.
    package var offset: Duration { value.withLock { $0 } }

    package func set(_ offset: Duration) {
        value.withLock { $0 = offset }
    }

    /// `t` on the device's clock, as a time label in local time (`utcOffsetMinutes` east of UTC).
    package func civil(_ t: Timestamp, utcOffsetMinutes: Int) -> CivilTime {
        CivilTime(t + offset, offsetMinutes: utcOffsetMinutes)
    }
}
