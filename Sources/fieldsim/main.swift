import FieldCore
import Foundation

let usage = """
fieldsim \(FieldgateVersion.string): the Fieldgate simulator (every device family on the wire)

usage: fieldsim COMMAND [OPTIONS]

commands:
  version                 print the version
  help                    show this help
"""

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "version", "--version":
    print("fieldsim \(FieldgateVersion.string)")
case nil, "help", "--help", "-h":
    print(usage)
default:
    FileHandle.standardError.write(Data("fieldsim: unknown command \"\(args[0])\"\n\n\(usage)\n".utf8))
    exit(2)
}
