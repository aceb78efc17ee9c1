/// A queue one thread sleeps on until others put work in it: the job queue of a component's own
/// thread. Closing it lets the thread finish what is queued and stop.
final class UplinkMailbox<Item: Sendable>: @unchecked Sendable {
    private let condition = UplinkCondition()
    // Guarded by `condition`.
    private var items: [Item] = []
    private var closed = false

    /// Adds `item`; false when the mailbox is closed (the item is not taken).
    @discardableResult
    func put(_ item: Item) -> Bool {
        condition.withLock {
            guard !closed else { return false }
            items.append(item)
            if items.count == 1 { condition.broadcast() }
            return true
        }
    }

    /// Everything queued, waiting until there is something; nil once closed and empty.
    func takeAll() -> [Item]? {
        condition.withLock {
            while items.isEmpty && !closed { condition.wait() }
            guard !items.isEmpty else { return nil }
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
    }

    /// Refuses new items; the taker still gets what is queued.
    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    var isClosed: Bool { condition.withLock { closed } }
}
