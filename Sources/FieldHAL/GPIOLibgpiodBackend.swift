#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CGPIOD
import FieldCore

/// GPIO lines of a real board through libgpiod (the kernel's GPIO character device).
///
/// libgpiod changed its API incompatibly in 2.0: Debian 12 (this development machine) has 1.6,
/// Debian 13 (the boards) has 2.x. The build picks the driver from the libgpiod it compiles
/// against (`Package.swift`, `FIELDGATE_LIBGPIOD`): `LibgpiodLineDriver` in
/// `LibgpiodV1LineDriver.swift` or `LibgpiodV2LineDriver.swift`. Both request lines for the
/// backend's consumer, active-low in the kernel, inputs with edge detection for both edges; the v2
/// driver also asks the kernel to debounce (docs/gpio.md).
package struct GPIOLibgpiodBackend: GPIOBackend {
    /// The consumer name the kernel shows for our lines (`gpioinfo`).
    package let consumer: String
    package let clock: any FieldClock

    /// The libgpiod API this build uses: 1 or 2.
    #if FIELDGATE_LIBGPIOD2
    package static let apiVersion = 2
    #else
    package static let apiVersion = 1
    #endif

    /// The version of the libgpiod the gateway runs with (`1.6.3`, `2.2.1`).
    package static var libraryVersion: String {
        #if FIELDGATE_LIBGPIOD2
        String(cString: gpiod_api_version())
        #else
        String(cString: gpiod_version_string())
        #endif
    }

    package init(consumer: String = "fieldgate", clock: any FieldClock = SystemClock()) {
        self.consumer = consumer
        self.clock = clock
    }

    package func request(_ lines: [GPIOLineConfig]) throws(GPIOError) -> GPIOLines {
        try GPIOLineConfig.validate(lines)
        let driver = try LibgpiodLineDriver(lines: lines, consumer: consumer, clock: clock)
        return try GPIOLines(lines: lines, clock: clock, driver: driver)
    }

    /// A kernel event time (ms) as wall-clock time. Kernels before 5.7 stamp GPIO events with
    /// `CLOCK_REALTIME`, later ones with `CLOCK_MONOTONIC`: take whichever the stamp is nearer.
    static func wallClock(eventMilliseconds stamp: Int64) -> Timestamp {
        let wall = SystemClock().now().milliseconds
        let monotonic = monotonicMilliseconds()
        if abs(stamp - wall) <= abs(stamp - monotonic) { return Timestamp(milliseconds: stamp) }
        return Timestamp(milliseconds: wall - (monotonic - stamp))
    }
}

extension GPIOError {
    /// Why a chip did not open, from the `errno` of libgpiod's open call (both versions): no such
    /// device node, or one that is not a GPIO chip, is the board file's mistake; anything else
    /// (permissions, say) is the chip being unavailable.
    static func openingChip(_ chip: String, failed cause: SystemError) -> GPIOError {
        switch cause.code {
        case ENOENT, ENODEV, ENOTTY, ENOTDIR: .noSuchChip(chip: chip)
        default: .chipUnavailable(chip: chip, cause: cause)
        }
    }
}
