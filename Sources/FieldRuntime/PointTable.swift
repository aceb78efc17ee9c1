import FieldCore
import Synchronization

/// Where a point's readings come from.
public enum PointSource: String, Sendable, Hashable, Codable {
    /// A register or bit read over Modbus.
    case modbus
    /// A GPIO line.
    case signal
    /// A value an app derives (daily kWh, a rolling average, the lift's floor).
    case derived
}

/// What the table knows about a point besides its reading.
public struct PointInfo: Sendable, Hashable {
    public var unit: String
    public var source: PointSource
    public var writable: Bool
    /// Changes smaller than this are not sent as telemetry.
    public var deadband: Double
    public var description: String

    public init(unit: String = "", source: PointSource, writable: Bool = false, deadband: Double = 0, description: String = "") {
        self.unit = unit
        self.source = source
        self.writable = writable
        self.deadband = deadband
        self.description = description
    }
}

/// One row of the point table, as the console, `fieldgate points` and the tests see it.
public struct PointSnapshot: Sendable, Hashable {
    public var ref: PointRef
    public var info: PointInfo
    public var reading: Reading?
    /// When a reading of good quality last came in (the reading itself may be a comm error now).
    public var lastGood: Timestamp?
}

/// The latest reading of every point with its quality and time (issue 4). Written by the
/// runtime's engine thread; read by the console, the local API and the uplink from theirs.
public final class PointTable: Sendable {
    private struct Entry {
        var info: PointInfo
        var reading: Reading?
        /// The value last handed out as telemetry, for deadband change detection.
        var lastSent: PointValue?
        var lastSentQuality: Quality?
        var dirty = false
        var lastGood: Timestamp?
    }

    private struct State {
        var entries: [PointRef: Entry] = [:]
        var version: UInt64 = 0
        var trends: [PointRef: Trend] = [:]
        var trendResolution: Duration = .seconds(5)
        var trendCapacity = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Gives every numeric point a trend (the console's `trend`) within one RAM budget: the
    /// longer span of `targetSpan` at 5 s resolution, or a coarser resolution when there are
    /// many points. Call after the points are declared; points declared later get the same.
    public func configureTrends(budgetBytes: Int = 2 << 20, targetSpan: Duration = .hours(4)) {
        state.withLock { s in
            let numeric = s.entries.filter { $0.value.info.source != .signal }.count
            guard numeric > 0 else { return }
            let buckets = max(60, budgetBytes / Trend.bytesPerBucket / numeric)
            let resolution = max(Duration.seconds(5), .milliseconds(targetSpan.milliseconds / Int64(buckets)))
            s.trendResolution = resolution
            s.trendCapacity = min(buckets, Int(targetSpan.milliseconds / resolution.milliseconds) + 1)
            for (ref, e) in s.entries where e.info.source != .signal {
                s.trends[ref] = Trend(resolution: resolution, capacity: s.trendCapacity)
            }
        }
    }

    /// The point's history at the trend's resolution, oldest first (min/max/mean per bucket).
    public func history(_ ref: PointRef, last span: Duration, endingAt end: Timestamp, slots: Int) -> [TrendBucket?]? {
        state.withLock { $0.trends[ref]?.series(last: span, endingAt: end, slots: slots) }
    }

    /// How far back trends reach and at which resolution.
    public var trendShape: (span: Duration, resolution: Duration) {
        state.withLock { ($0.trendResolution * $0.trendCapacity, $0.trendResolution) }
    }

    /// Declares a point (once, at start or when an app derives a new value).
    public func declare(_ ref: PointRef, _ info: PointInfo) {
        state.withLock { s in
            if s.entries[ref] == nil {
                s.entries[ref] = Entry(info: info)
                if s.trendCapacity > 0, info.source != .signal {
                    s.trends[ref] = Trend(resolution: s.trendResolution, capacity: s.trendCapacity)
                }
            } else {
                s.entries[ref]!.info = info
            }
        }
    }

    /// Stores a reading; returns true when it differs from the last telemetry beyond the
    /// point's deadband (or its quality changed), i.e. when it should be sent.
    @discardableResult
    public func update(_ ref: PointRef, _ reading: Reading) -> Bool {
        state.withLock { s in
            guard var e = s.entries[ref] else { return false }
            e.reading = reading
            if reading.quality.isGood { e.lastGood = reading.time }
            s.trends[ref]?.record(reading)
            let changed = e.lastSentQuality != reading.quality || exceedsDeadband(e.lastSent, reading.value, e.info.deadband)
            if changed { e.dirty = true }
            s.entries[ref] = e
            s.version &+= 1
            return changed
        }
    }

    /// Every point whose reading should be sent since the last call, and marks them sent.
    public func takeChanged() -> [(PointRef, Reading)] { take { $0.dirty } }

    /// Every point's reading, to resend the whole state (after a reconnect, periodically).
    public func takeAll() -> [(PointRef, Reading)] { take { _ in true } }

    private func take(_ wanted: (Entry) -> Bool) -> [(PointRef, Reading)] {
        state.withLock { s in
            var out: [(PointRef, Reading)] = []
            for (ref, var e) in s.entries where wanted(e) {
                e.dirty = false
                if let r = e.reading {
                    e.lastSent = r.value
                    e.lastSentQuality = r.quality
                    out.append((ref, r))
                }
                s.entries[ref] = e
            }
            return out.sorted { $0.0 < $1.0 }
        }
    }

    public func reading(_ ref: PointRef) -> Reading? { state.withLock { $0.entries[ref]?.reading } }

    public func point(_ ref: PointRef) -> PointSnapshot? {
        state.withLock { s in s.entries[ref].map { PointSnapshot(ref: ref, info: $0.info, reading: $0.reading, lastGood: $0.lastGood) } }
    }

    /// All points (or one device's), sorted by device then point.
    public func snapshot(device: String? = nil) -> [PointSnapshot] {
        state.withLock { s in
            s.entries.compactMap { ref, e in
                device == nil || ref.device == device ? PointSnapshot(ref: ref, info: e.info, reading: e.reading, lastGood: e.lastGood) : nil
            }
        }.sorted { $0.ref < $1.ref }
    }

    /// Increases whenever any reading changes: `watch` polls it cheaply.
    public var version: UInt64 { state.withLock { $0.version } }
}

func exceedsDeadband(_ old: PointValue?, _ new: PointValue?, _ deadband: Double) -> Bool {
    switch (old, new) {
    case (nil, nil): return false
    case (.number(let a)?, .number(let b)?): return deadband > 0 ? abs(a - b) >= deadband : a != b
    default: return old != new
    }
}
