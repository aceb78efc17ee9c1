import FieldCore
#if canImport(Glibc)
import Glibc
#endif

let usage = """
fieldbench \(FieldgateVersion.string): figures for docs/benchmarks.md (build with -c release)

usage: fieldbench COMMAND [OPTIONS]

commands:
  uplink         backlog drain rate from the outbox to a local mosquitto after an outage
  outbox-writer  (for tests) append alarms to an outbox until killed
"""

let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first {
    case "uplink": try UplinkBenchmark.run(Array(args.dropFirst()))
    case "outbox-writer": try OutboxWriter.run(Array(args.dropFirst()))
    default: print(usage)
    }
} catch {
    writeStandardError("fieldbench: \(error)\n")
    exit(1)
}
