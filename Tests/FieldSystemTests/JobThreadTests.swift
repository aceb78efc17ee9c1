import FieldCore
import FieldSystem
import Synchronization
import Testing

@Suite("JobThread")
struct JobThreadTests {
    @Test func runsJobsInOrderOnItsOwnThreadAndFinishesTheQueueOnStop() throws {
        let worker = JobThread(name: "job-test")
        let done = Mutex<[Int]>([])
        let threads = Mutex<[ThreadIdentity]>([])
        // Queued before the start: they wait for it.
        for i in 0..<3 { worker.submit { done.withLock { $0.append(i) } } }
        try worker.start()
        for i in 3..<200 {
            worker.submit {
                threads.withLock { $0.append(ThreadIdentity.current) }
                done.withLock { $0.append(i) }
            }
        }
        worker.stop()
        #expect(done.withLock { $0 } == Array(0..<200), "every job ran, in the order given, before stop returned")
        let seen = threads.withLock { $0 }
        #expect(seen.count == 197 && seen.allSatisfy { $0 == seen[0] } && seen[0] != ThreadIdentity.current,
                "all on one thread of the worker's own")
        #expect(!worker.submit { done.withLock { $0.append(-1) } }, "a stopped thread refuses jobs")
        #expect(done.withLock { $0.count } == 200)
    }

    @Test func stopWithoutJobsReturnsPromptly() throws {
        let worker = JobThread(name: "job-idle")
        try worker.start()
        let t0 = monotonicMilliseconds()
        worker.stop()
        #expect(monotonicMilliseconds() - t0 < 1500, "an idle thread ends within its one-second poll")
        worker.stop()  // twice is harmless
    }
}
