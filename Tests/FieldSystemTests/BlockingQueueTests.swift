import FieldCore
import FieldSystem
import Synchronization
import Testing

@Suite("BlockingQueue")
struct BlockingQueueTests {
    @Test func popsInOrderAndCounts() {
        let q = BlockingQueue<Int>()
        for i in 0..<200 { #expect(q.push(i)) }
        #expect(q.count == 200)
        for i in 0..<100 { #expect(q.pop(until: 0) == i) }
        #expect(q.count == 100)
        #expect(q.drain() == Array(100..<200))
        #expect(q.count == 0)
        #expect(q.pop(until: 0) == nil)
    }

    /// Every element pushed by 4 producers is taken exactly once by 4 consumers, and each
    /// producer's elements come out in the order it pushed them.
    @Test func manyProducersAndConsumersLoseNothing() throws {
        let q = BlockingQueue<Int>()
        let producers = 4, consumers = 4, perProducer = 20_000
        let taken = Mutex<[[Int]]>(Array(repeating: [], count: consumers))
        var threads: [WorkerThread] = []
        for c in 0..<consumers {
            threads.append(try WorkerThread(name: "consumer\(c)") {
                var mine: [Int] = []
                while let e = q.pop(until: .max) { mine.append(e) }
                taken.withLock { $0[c] = mine }
            })
        }
        var producerThreads: [WorkerThread] = []
        for p in 0..<producers {
            producerThreads.append(try WorkerThread(name: "producer\(p)") {
                for i in 0..<perProducer { q.push(p * perProducer + i) }
            })
        }
        for t in producerThreads { t.join() }
        q.close()
        for t in threads { t.join() }
        let all = taken.withLock { $0 }
        #expect(all.joined().sorted() == Array(0..<(producers * perProducer)))
        for mine in all {
            for p in 0..<producers {
                let fromP = mine.filter { $0 / perProducer == p }
                #expect(fromP == fromP.sorted(), "consumer saw producer \(p) out of order")
            }
        }
    }

    @Test func popTimesOutAtTheDeadline() {
        let q = BlockingQueue<Int>()
        let start = monotonicMilliseconds()
        #expect(q.pop(until: start + 80) == nil)
        let waited = monotonicMilliseconds() - start
        #expect(waited >= 80)
        #expect(waited < 5_000)
    }

    @Test func pastOrNegativeDeadlineDoesNotWait() {
        let q = BlockingQueue<Int>()
        let start = monotonicMilliseconds()
        #expect(q.pop(until: start - 1_000) == nil)
        #expect(q.pop(until: -5) == nil)
        #expect(monotonicMilliseconds() - start < 1_000)
    }

    @Test func pushWakesAWaitingConsumer() throws {
        let q = BlockingQueue<String>()
        let got = Mutex<String?>(nil)
        let consumer = try WorkerThread(name: "consumer") {
            let e = q.pop(until: monotonicMilliseconds() + 30_000)
            got.withLock { $0 = e }
        }
        q.push("job")
        consumer.join()
        #expect(got.withLock { $0 } == "job")
    }

    @Test func closeWakesEveryWaiterAndRefusesPushes() throws {
        let q = BlockingQueue<Int>()
        let woken = Atomic<Int>(0)
        var threads: [WorkerThread] = []
        for i in 0..<3 {
            threads.append(try WorkerThread(name: "waiter\(i)") {
                if q.pop(until: .max) == nil { woken.add(1, ordering: .relaxed) }
            })
        }
        let start = monotonicMilliseconds()
        q.close()
        for t in threads { t.join() }
        #expect(woken.load(ordering: .relaxed) == 3)
        #expect(monotonicMilliseconds() - start < 10_000)
        #expect(!q.push(1))
    }

    @Test func closedQueueStillGivesWhatWasQueued() {
        let q = BlockingQueue<Int>()
        q.push(1)
        q.push(2)
        q.close()
        #expect(q.pop(until: .max) == 1)
        #expect(q.pop(until: .max) == 2)
        #expect(q.pop(until: .max) == nil)
    }
}
