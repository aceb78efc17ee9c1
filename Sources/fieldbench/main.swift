import FieldCore

print("fieldbench \(FieldgateVersion.string): no benchmarks yet")
