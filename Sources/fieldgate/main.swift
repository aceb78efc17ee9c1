import FieldCore
#if canImport(Glibc)
import Glibc
#endif

let usage = """
fieldgate \(FieldgateVersion.string): firmware for city field-equipment gateways

usage: fieldgate COMMAND [OPTIONS]

commands:
  version                 print the firmware version
  help                    show this help
"""

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "version", "--version":
    print("fieldgate \(FieldgateVersion.string)")
case nil, "help", "--help", "-h":
    print(usage)
default:
    writeStandardError("fieldgate: unknown command \"\(args[0])\"\n\n\(usage)\n")
    exit(2)
}
