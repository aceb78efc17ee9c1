#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldRuntime
import Synchronization

extension LatencyBenchmark {
    /// A subscriber on `#` that stamps every message with the wall clock the moment its callback
    /// runs: libmosquitto through FieldRuntime's `MQTTClient`, QoS 1, a persistent session (a
    /// broker with persistence keeps what is published while it reconnects after an outage).
    final class Observer: Sendable {
        struct Arrival: Sendable {
            var topic: String
            var payload: [UInt8]
            /// Wall clock (CLOCK_REALTIME, the simulator's and the gateway's), µs since the epoch.
            var micros: Int64
        }

        /// What the callback writes, apart from the client it belongs to.
        private final class Record: Sendable {
            let arrivals = Mutex<[Arrival]>([])
            let subscriptions = Atomic<Int>(0)
            let client = Mutex<MQTTClient?>(nil)
        }

        private let client: MQTTClient
        private let record = Record()

        init(port: Int) throws {
            let record = self.record
            let options = MQTTClientOptions(clientID: "fieldbench-observer", host: "127.0.0.1", port: port, keepalive: .seconds(30),
                                            cleanSession: false, reconnectDelay: .milliseconds(20) ... .milliseconds(100))
            client = try MQTTClient(options) { event in
                switch event {
                case .message(let m):
                    let micros = wallMicroseconds()
                    record.arrivals.withLock { $0.append(Arrival(topic: m.topic, payload: m.payload, micros: micros)) }
                case .connected:
                    _ = try? record.client.withLock { $0 }?.subscribe("#")
                case .subscribed:
                    record.subscriptions.add(1, ordering: .relaxed)
                default:
                    break
                }
            }
            record.client.withLock { $0 = client }
        }

        /// Connects (retrying until a broker answers) and subscribes.
        func start() throws { try client.start() }

        func stop() {
            client.stop()
            record.client.withLock { $0 = nil }
        }

        var isSubscribed: Bool { record.subscriptions.load(ordering: .relaxed) > 0 }

        var count: Int { record.arrivals.withLock { $0.count } }

        /// What arrived from index `start` on.
        func arrivals(from start: Int = 0) -> [Arrival] {
            record.arrivals.withLock { Array($0[min(start, $0.count)...]) }
        }
    }
}

/// The wall clock in µs since the epoch: the clock the simulator stamps GPIO edges with.
func wallMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}
