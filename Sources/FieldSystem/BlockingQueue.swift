/// A blocking FIFO between threads: producers never block; consumers wait with a deadline.
///
/// The engine's events, each bus's jobs and the SQLite writer's jobs (the alarm fsync wait among
/// them) go through one of these.
package final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    // `items`, `head` and `closed` are touched only with `lock` held, which is what makes the class
    // safe to share.
    private let lock = ConditionLock()
    private var items: [Element] = []
    private var head = 0
    private var closed = false

    package init() {}

    /// Adds an element; false if the queue was closed.
    @discardableResult
    package func push(_ e: Element) -> Bool {
        lock.withLock {
            guard !closed else { return false }
            items.append(e)
            lock.signal()
            return true
        }
    }

    /// Takes the oldest element, waiting until `deadline` (monotonic ms); nil on timeout or when
    /// the queue is closed and empty.
    package func pop(until deadline: Int64) -> Element? {
        lock.withLock {
            while head == items.count {
                if closed { return nil }
                if !lock.wait(until: deadline), head == items.count { return nil }
            }
            let e = items[head]
            head += 1
            if head > 64, head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return e
        }
    }

    /// Takes everything queued now, without waiting.
    package func drain() -> [Element] {
        lock.withLock {
            let out = Array(items[head...])
            items.removeAll(keepingCapacity: true)
            head = 0
            return out
        }
    }

    package var count: Int {
        lock.withLock { items.count - head }
    }

    /// Refuses further pushes and wakes every consumer; elements already queued can still be popped.
    package func close() {
        lock.withLock {
            closed = true
            lock.broadcast()
        }
    }
}
