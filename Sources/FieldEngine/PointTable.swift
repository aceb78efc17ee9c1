import FieldCore
import FieldDevices
import Synchronization

/// Where a point's readings come from.
package enum PointSource: String, Sendable, Hashable, Codable {
    /// A register or bit read over Modbus.
    case modbus
    /// A GPIO line.
    case signal
    /// A value an app derives (daily kWh, a rolling average, the lift's floor).
    case derived
}

/// What the table knows about a point besides its reading.
package struct PointInfo: Sendable, Hashable {
    package var unit: String
    package var source: PointSource
    package var writable: Bool
    /// False for a write-only register (a command register the device does not let us read
    /// back): only an offline spell changes its quality.
    package var readable: Bool
    /// Changes smaller than this are not sent as telemetry (modes `changes` and `latest`).
    package var deadband: Double
    package var description: String

    package init(unit: String = "", source: PointSource, writable: Bool = false, readable: Bool = true, deadband: Double = 0,
                description: String = "") {
        self.unit = unit
        self.source = source
        self.writable = writable
        self.readable = readable
        self.deadband = deadband
        self.description = description
    }
}

/// One reading on its way to the platform.
package struct TelemetryPoint: Sendable, Hashable {
    package var ref: PointRef
    package var reading: Reading
    /// The point's quality differs from the last one sent (or none was sent since start): the
    /// sample carries `<point>.quality`, so the platform, which keeps the latest value per key,
    /// always shows the current quality, including the return to `good`.
    package var qualityChanged: Bool

    package init(_ ref: PointRef, _ reading: Reading, qualityChanged: Bool) {
        self.ref = ref
        self.reading = reading
        self.qualityChanged = qualityChanged
    }
}

/// One row of the point table, as the console, `fieldgate points` and the tests see it.
package struct PointSnapshot: Sendable, Hashable {
    package var ref: PointRef
    package var info: PointInfo
    package var reading: Reading?
    /// When a reading of good quality last came in (the reading itself may be a comm error now).
    package var lastGood: Timestamp?
    /// Where it lives, for the technician (`holding 0x0000 f32 CDAB`, `gpio relay-1`): the
    /// console fills it in from the profile; empty as the table hands it out.
    package var location: String

    package init(ref: PointRef, info: PointInfo, reading: Reading? = nil, lastGood: Timestamp? = nil, location: String = "") {
        self.ref = ref
        self.info = info
        self.reading = reading
        self.lastGood = lastGood
        self.location = location
    }
}

/// The latest reading of every point with its quality and time (issue 4). Written by the
/// runtime's engine thread; read by the console, the local API and the uplink from theirs.
package final class PointTable: Sendable {
    private struct Entry {
        var info: PointInfo
        var reading: Reading?
        /// The value last handed out as telemetry, for deadband change detection.
        var lastSent: PointValue?
        var lastSentQuality: Quality?
        var dirty = false
        var lastGood: Timestamp?
        /// Kept in the entry, so that a reading costs one lookup; nil for signals.
        var trend: Trend?

        /// Stores a reading; true when it should be sent (see `update`). In the modes that send
        /// samples as they come, the sample is handed out at once (`sample`), so a later reading
        /// in the same telemetry period cannot overwrite it.
        mutating func store(_ r: Reading, mode: TelemetryMode, ref: PointRef, sample: (TelemetryPoint) -> Void) -> Bool {
            reading = r
            if r.quality.isGood { lastGood = r.time }
            trend?.record(r)
            let qualityChanged = lastSentQuality != r.quality
            let changed = qualityChanged || exceedsDeadband(lastSent, r.value, info.deadband)
            switch mode {
            case .latest:
                if changed { dirty = true }
            case .every, .changes:
                guard mode == .every || changed else { return false }
                sample(TelemetryPoint(ref, r, qualityChanged: qualityChanged))
                lastSent = r.value
                lastSentQuality = r.quality
            }
            return changed
        }
    }

    private struct State {
        var entries: [PointRef: Entry] = [:]
        var version: UInt64 = 0
        var trendResolution: Duration = .seconds(5)
        var trendCapacity = 0
        var mode: TelemetryMode = .latest
        /// Samples not yet taken (modes `every` and `changes`), in the order they came.
        var pending: [TelemetryPoint] = []

        /// Visits every entry in place (walking indices: iterating `entries` while changing it
        /// would copy the whole table).
        mutating func forEachEntry(_ body: (PointRef, inout Entry) -> Void) {
            var i = entries.startIndex
            while i != entries.endIndex {
                body(entries.keys[i], &entries.values[i])
                entries.formIndex(after: &i)
            }
        }
    }

    private let state = Mutex(State())

    package init() {}

    /// Which readings become telemetry (`storage.telemetry`); the engine sets the site's at start.
    package var mode: TelemetryMode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    /// Gives every numeric point a trend (the console's `trend`) within one RAM budget: the
    /// longer span of `targetSpan` at 5 s resolution, or a coarser resolution when there are
    /// many points. Call after the points are declared; points declared later get the same.
    package func configureTrends(budgetBytes: Int = 2 << 20, targetSpan: Duration = .hours(4)) {
        state.withLock { s in
            let numeric = s.entries.filter { $0.value.info.source != .signal }.count
            guard numeric > 0 else { return }
            let buckets = max(60, budgetBytes / Trend.bytesPerBucket / numeric)
            let resolution = max(Duration.seconds(5), .milliseconds(targetSpan.milliseconds / Int64(buckets)))
            s.trendResolution = resolution
            s.trendCapacity = min(buckets, Int(targetSpan.milliseconds / resolution.milliseconds) + 1)
            let capacity = s.trendCapacity
            s.forEachEntry { _, e in
                if e.info.source != .signal { e.trend = Trend(resolution: resolution, capacity: capacity) }
            }
        }
    }

    /// The point's history at the trend's resolution, oldest first (min/max/mean per bucket).
    package func history(_ ref: PointRef, last span: Duration, endingAt end: Timestamp, slots: Int) -> [TrendBucket?]? {
        state.withLock { $0.entries[ref]?.trend?.series(last: span, endingAt: end, slots: slots) }
    }

    /// How far back trends reach and at which resolution.
    package var trendShape: (span: Duration, resolution: Duration) {
        state.withLock { ($0.trendResolution * $0.trendCapacity, $0.trendResolution) }
    }

    /// Declares a point (once, at start or when an app derives a new value).
    package func declare(_ ref: PointRef, _ info: PointInfo) {
        state.withLock { s in
            if s.entries[ref] == nil {
                var e = Entry(info: info)
                if s.trendCapacity > 0, info.source != .signal {
                    e.trend = Trend(resolution: s.trendResolution, capacity: s.trendCapacity)
                }
                s.entries[ref] = e
            } else {
                s.entries[ref]!.info = info
            }
        }
    }

    /// Stores a reading; returns true when it differs from the last telemetry beyond the
    /// point's deadband (or its quality changed), i.e. when it should be sent.
    @discardableResult
    package func update(_ ref: PointRef, _ reading: Reading) -> Bool {
        state.withLock { s in
            let mode = s.mode
            var sampled: TelemetryPoint?
            guard let changed = s.entries.withValue(forKey: ref, { $0.store(reading, mode: mode, ref: ref) { sampled = $0 } }) else { return false }
            if let sampled { s.pending.append(sampled) }
            s.version &+= 1
            return changed
        }
    }

    /// Stores one poll's readings of a device's points under one lock (the bus workers' path).
    /// - Returns: how many samples now wait to be taken (the engine sends early past a bound).
    @discardableResult
    package func update(device: String, _ readings: [(String, Reading)]) -> Int {
        state.withLock { s in
            let mode = s.mode
            var sampled: [TelemetryPoint] = []
            for (point, reading) in readings {
                let ref = PointRef(device: device, point: point)
                _ = s.entries.withValue(forKey: ref) { $0.store(reading, mode: mode, ref: ref) { sampled.append($0) } }
            }
            s.pending += sampled
            s.version &+= 1
            return s.pending.count
        }
    }

    /// What should be sent since the last call: in modes `every` and `changes` every sample
    /// stored since, oldest first; in mode `latest` the latest reading of each point that
    /// changed (marked sent).
    package func takeChanged() -> [TelemetryPoint] {
        let pending = state.withLock { s -> [TelemetryPoint] in
            defer { s.pending = [] }
            return s.pending
        }
        return mode == .latest ? take { $0.dirty } : pending
    }

    /// Every point's reading with its quality, to resend the whole state periodically (modes
    /// `changes` and `latest`).
    package func takeAll() -> [TelemetryPoint] { take(forcingQuality: true) { _ in true } }

    private func take(forcingQuality: Bool = false, _ wanted: (Entry) -> Bool) -> [TelemetryPoint] {
        state.withLock { s in
            var out: [TelemetryPoint] = []
            s.forEachEntry { ref, e in
                guard wanted(e) else { return }
                e.dirty = false
                if let r = e.reading {
                    out.append(TelemetryPoint(ref, r, qualityChanged: forcingQuality || e.lastSentQuality != r.quality))
                    e.lastSent = r.value
                    e.lastSentQuality = r.quality
                }
            }
            return out.sorted { $0.ref < $1.ref }
        }
    }

    package func reading(_ ref: PointRef) -> Reading? { state.withLock { $0.entries[ref]?.reading } }

    package func point(_ ref: PointRef) -> PointSnapshot? {
        state.withLock { s in s.entries[ref].map { PointSnapshot(ref: ref, info: $0.info, reading: $0.reading, lastGood: $0.lastGood) } }
    }

    /// All points (or one device's), sorted by device then point.
    package func snapshot(device: String? = nil) -> [PointSnapshot] {
        state.withLock { s in
            s.entries.compactMap { ref, e in
                device == nil || ref.device == device ? PointSnapshot(ref: ref, info: e.info, reading: e.reading, lastGood: e.lastGood) : nil
            }
        }.sorted { $0.ref < $1.ref }
    }

    /// Increases whenever any reading changes: `watch` polls it cheaply.
    package var version: UInt64 { state.withLock { $0.version } }
}

func exceedsDeadband(_ old: PointValue?, _ new: PointValue?, _ deadband: Double) -> Bool {
    switch (old, new) {
    case (nil, nil): return false
    case (.number(let a)?, .number(let b)?): return deadband > 0 ? abs(a - b) >= deadband : a != b
    default: return old != new
    }
}
