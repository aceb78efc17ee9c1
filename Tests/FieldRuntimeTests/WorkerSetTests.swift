import FieldCore
import Synchronization
import Testing
@testable import FieldRuntime

/// What happened to the fake workers, in order.
final class WorkerJournal: Sendable {
    private let lines = Mutex<[String]>([])
    func note(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct FakeWorkerFailure: Error, CustomStringConvertible {
    var description: String { "no such serial port" }
}

/// A worker that records its start and stop and has the heartbeat the test gives it.
final class FakeWorker: Worker {
    let workerName: String
    private let journal: WorkerJournal
    private let fails: Bool
    private let beat: Mutex<Int64?>

    init(_ name: String, _ journal: WorkerJournal, fails: Bool = false, beat: Int64? = 0) {
        workerName = name
        self.journal = journal
        self.fails = fails
        self.beat = Mutex(beat)
    }

    func start() throws {
        if fails { throw FakeWorkerFailure() }
        journal.note("start \(workerName)")
    }

    func stop() { journal.note("stop \(workerName)") }

    var lastBeat: Int64? { beat.withLock { $0 } }
    func beat(at t: Int64?) { beat.withLock { $0 = t } }
}

@Suite struct WorkerSetTests {
    @Test func workersStartInOrderAndStopInTheReverseOrderOnce() throws {
        let journal = WorkerJournal()
        let set = WorkerSet(["gpio", "engine", "bus rs485-1", "bus tcp-1"].map { .required(FakeWorker($0, journal)) })
        set.prepend([.required(FakeWorker("uplink", journal))])
        set.append([.required(FakeWorker("api", journal))])
        try set.start()
        #expect(set.names == ["uplink", "gpio", "engine", "bus rs485-1", "bus tcp-1", "api"])
        set.stop()
        set.stop()
        #expect(journal.all == [
            "start uplink", "start gpio", "start engine", "start bus rs485-1", "start bus tcp-1", "start api",
            "stop api", "stop bus tcp-1", "stop bus rs485-1", "stop engine", "stop gpio", "stop uplink",
        ])
        #expect(set.names.isEmpty)
    }

    @Test func aRequiredWorkerThatCannotStartStopsTheStartedOnesAndIsNamed() {
        let journal = WorkerJournal()
        let set = WorkerSet([.required(FakeWorker("gpio", journal)), .required(FakeWorker("engine", journal)),
                             .required(FakeWorker("bus rs485-1", journal, fails: true)), .required(FakeWorker("bus tcp-1", journal))])
        do {
            try set.start()
            Issue.record("a bus that cannot start stops the gateway's start")
        } catch {
            #expect(error.worker == "bus rs485-1")
            #expect(error.description == "cannot start bus rs485-1: no such serial port")
        }
        #expect(journal.all == ["start gpio", "start engine", "stop engine", "stop gpio"], "the later worker never starts")
        #expect(set.names.isEmpty)
    }

    @Test func anOptionalWorkerThatCannotStartIsReportedAndLeftOut() throws {
        let journal = WorkerJournal()
        let reasons = WorkerJournal()
        let uplink = FakeWorker("uplink", journal, fails: true)
        let set = WorkerSet([.optional(uplink) { reasons.note("\($0)") }, .required(FakeWorker("engine", journal))])
        try set.start()
        #expect(reasons.all == ["no such serial port"])
        #expect(set.names == ["engine"])
        #expect(!set.isRunning(uplink))
        set.stop()
        #expect(journal.all == ["start engine", "stop engine"], "a worker that did not start is not stopped")
    }

    @Test func theFirstStaleWorkerIsNamedAndOnesWithoutALoopAreNotWatched() throws {
        let journal = WorkerJournal()
        let engine = FakeWorker("engine", journal, beat: 1_000)
        let bus = FakeWorker("bus rs485-1", journal, beat: 1_000)
        let api = FakeWorker("api", journal, beat: nil)
        let set = WorkerSet([.required(engine), .required(bus), .required(api)])
        #expect(set.staleWorker(maxAge: 20_000, now: 100_000) == nil, "nothing is watched before it starts")
        try set.start()
        #expect(set.staleWorker(maxAge: 20_000, now: 21_000) == nil)
        engine.beat(at: 40_000)
        #expect(set.staleWorker(maxAge: 20_000, now: 41_000) == "bus rs485-1")
        bus.beat(at: 41_000)
        #expect(set.staleWorker(maxAge: 20_000, now: 60_000) == nil, "exactly maxAge old is still alive")
        #expect(set.staleWorker(maxAge: 20_000, now: 60_001) == "engine")
        set.stop()
        #expect(set.staleWorker(maxAge: 20_000, now: 1_000_000) == nil, "stopped workers are not watched")
    }
}
