/// A part of the gateway that runs for its whole life on a thread of its own: a bus worker, the
/// GPIO worker, the engine, the local API, the uplink's MQTT loop. The gateway starts its workers in order, stops them in
/// the reverse order, and feeds the watchdog only while every worker it watches goes round its
/// loop (`WorkerSet`, FieldRuntime).
package protocol Worker: AnyObject, Sendable {
    /// The name in the log and in "not responding" (`engine`, `bus rs485-1`, `gpio`, `api`).
    var workerName: String { get }
    /// Starts the worker's thread.
    func start() throws
    /// Stops the worker and waits for its thread: what it holds is released or in its safe state.
    func stop()
    /// When the worker last went round its loop (`monotonicMilliseconds()`); nil for a worker
    /// whose thread waits for outside requests and has no loop to watch (the local API).
    var lastBeat: Int64? { get }
}
