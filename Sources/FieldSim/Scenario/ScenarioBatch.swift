import FieldCore
import Foundation
import Synchronization

/// Several scenario files run by `fieldsim scenario`, one after the other or a few at once
/// (each has its own simulator, gateway and temporary directory, so they do not meet).
package struct ScenarioBatch: Sendable {
    package var paths: [String]

    package init(paths: [String]) { self.paths = paths }

    /// What a batch gave: the scenarios that failed (or did not read), by name or path.
    package struct Outcome: Sendable {
        package var failed: [String]
    }

    /// Runs every scenario with `jobs` at a time; `report` gets each report (or file error) as
    /// soon as that scenario ends, never two at once.
    package func run(_ runner: ScenarioRunner, jobs: Int, report: @escaping @Sendable (String) -> Void) -> Outcome {
        let queue = Mutex(paths[...])
        let failed = Mutex<[String]>([])
        let printing = Mutex(())
        let work: @Sendable () -> Void = {
            while let path = queue.withLock({ $0.popFirst() }) {
                let text: String
                do throws(ConfigError) {
                    let result = runner.run(try Scenario.load(path: path))
                    text = result.report
                    if !result.passed { failed.withLock { $0.append(result.scenario) } }
                } catch {
                    text = error.description
                    failed.withLock { $0.append(path) }
                }
                printing.withLock { _ in report(text) }
            }
        }
        let workers = (0..<max(1, min(jobs, paths.count))).map { _ in
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                work()
                done.signal()
            }
            return done
        }
        for done in workers { done.wait() }
        return Outcome(failed: failed.withLock { $0 })
    }
}
