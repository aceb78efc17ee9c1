import Synchronization

/// Tells a server's threads to end their loops (raised once, by its `stop`).
package final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    package init() {}

    package func raise() { raised.store(true, ordering: .releasing) }
    package var isRaised: Bool { raised.load(ordering: .acquiring) }
}
