import FieldCore
import FieldEngine

/// Runs a platform command: the runtime's side of the RPC path (DESIGN rule 7). Called on the
/// Swift concurrency pool, never on the MQTT thread, so it may wait for a bus worker; the answer
/// goes back to the platform through the outbox.
package protocol GatewayCommandHandler: Sendable {
    func execute(_ command: GatewayCommand, origin: CommandOrigin) async -> Result<JSONValue, CommandError>
}

/// A command handler over a callback that answers later from any thread, such as
/// `Gateway.execute(_:origin:reply:)`: `UplinkCommandHandler(gateway.execute)`.
package struct UplinkCommandHandler: GatewayCommandHandler {
    package typealias Reply = @Sendable (Result<JSONValue, CommandError>) -> Void
    private let run: @Sendable (GatewayCommand, CommandOrigin, @escaping Reply) -> Void

    package init(_ run: @escaping @Sendable (GatewayCommand, CommandOrigin, @escaping Reply) -> Void) {
        self.run = run
    }

    package func execute(_ command: GatewayCommand, origin: CommandOrigin) async -> Result<JSONValue, CommandError> {
        await withCheckedContinuation { continuation in
            run(command, origin) { continuation.resume(returning: $0) }
        }
    }
}
