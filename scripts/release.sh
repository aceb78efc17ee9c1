#!/usr/bin/env bash
# `make release`: the firmware binary as it ships — release build, static Swift standard library,
# FoundationEssentials only, stripped — into out/fieldgate, with its size checked against the
# budget (docs/benchmarks.md, "Release binary").
#
#   scripts/release.sh                  build for this machine
#   SWIFT_SDK=ID scripts/release.sh     cross-build with a Swift SDK (docs/install.md); with
#                                       SWIFT_SDKS_PATH=DIR, the SDK bundles in DIR
#   (scripts/arm64.sh runs it with Debian 13's Swift and an arm64 SDK made from Debian's packages)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

# The binary tools: the toolchain's llvm-nm/llvm-objcopy (swift.org's toolchains have them), else
# binutils' for the target (Debian's swiftlang has no llvm-nm or llvm-objcopy): a missing one
# stops the release here, not half-way with a check that silently passed.
tool() {
  local name=$1 prefix=$2 candidate
  for candidate in "llvm-$name" "$prefix$name"; do
    command -v "$candidate" >/dev/null && { echo "$candidate"; return; }
  done
  echo "release: neither llvm-$name nor $prefix$name is installed: apt-get install ${3}" >&2
  exit 1
}
case "${SWIFT_SDK:-}" in
  "") prefix=""; binutils=binutils ;;
  *arm64*|*aarch64*) prefix=aarch64-linux-gnu-; binutils=binutils-aarch64-linux-gnu ;;
  *) echo "release: SWIFT_SDK=$SWIFT_SDK: which binutils read its binaries? (arm64/aarch64 are known)" >&2; exit 1 ;;
esac
nm=$(tool nm "$prefix" "$binutils")
objcopy=$(tool objcopy "$prefix" "$binutils")
readelf=$(tool readelf "$prefix" "$binutils")

out=${OUT:-out}
# A scratch path of its own: these flags differ from `swift build -c release` (make bench), and
# sharing .build would rebuild everything each time one or the other runs.
scratch=${SCRATCH:-.build-release}
budget=$((16 * 1024 * 1024))   # bytes: 16 MiB (DESIGN.md, "Small on the board")

# -Osize: about 0.5 MB smaller than -O; the gateway waits on buses, it does not compute.
# --no-export-dynamic: the static-stdlib link line exports every symbol of the executable
# (-export-dynamic), which keeps --gc-sections from dropping any of them and fills the dynamic
# symbol table; nothing looks the gateway's symbols up at run time.
# lld with -z pack-relative-relocs: the position-independent executable's ~40 000 relative
# relocations take 8 KB as DT_RELR instead of 1 MB of .rela.dyn; needs glibc 2.36 (Debian 12).
# -z relro -z now: the relocations are read-only once resolved (Debian's hardening "bindnow").
# --icf=all: lld folds functions whose code is identical (generic specialisations, value
# witnesses, thunks): 295 KB smaller (2026-12-07: 16.84 → 16.55 MB). "all", not "safe": swiftc
# emits no address-significance table, so "safe" folds almost nothing (12 KB). Folding only
# changes the address of a function that has a twin; nothing in the gateway compares function
# addresses, and read-write data (type metadata) is never folded. The release binary runs every
# scenario (docs/benchmarks.md, "Release binary").
flags=(-c release --static-swift-stdlib --product fieldgate --scratch-path "$scratch"
       -Xswiftc -Osize -Xswiftc -use-ld=lld -Xlinker --no-export-dynamic -Xlinker -z -Xlinker pack-relative-relocs
       -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now -Xlinker --icf=all)
[ -n "${SWIFT_SDK:-}" ] && flags+=(--swift-sdk "$SWIFT_SDK")
[ -n "${SWIFT_SDKS_PATH:-}" ] && flags+=(--swift-sdks-path "$SWIFT_SDKS_PATH")

# A linker warning from inside FoundationEssentials, not ours. pipefail keeps a failed build failed.
swift build "${flags[@]}" 2>&1 | { grep -v "the use of \`mktemp' is dangerous" || true; }
bin="$(swift build "${flags[@]}" --show-bin-path)/fieldgate"
[ -x "$bin" ] || { echo "release: the build did not produce $bin" >&2; exit 1; }

# Firmware modules must not pull in full Foundation: its ICU data alone is ~30 MB.
symbols=$("$nm" "$bin")   # fails the release if nm cannot read it
linked=$(grep -oE '\$s10Foundation|30FoundationInternationalization| u(cal|dat|col|num)_open' <<<"$symbols" | sort -u || [ $? -eq 1 ])
if [ -n "$linked" ]; then
  echo "release: full Foundation or ICU is linked into fieldgate (a firmware module imports Foundation?):" >&2
  echo "$linked" >&2
  exit 1
fi

mkdir -p "$out"
"$objcopy" --strip-all --remove-section=.comment "$bin" "$out/fieldgate"
size=$(stat -c %s "$out/fieldgate")
arch=$("$readelf" -h "$out/fieldgate" | sed -n 's/^ *Machine: *//p')
awk -v f="$out/fieldgate" -v a="$arch" -v s="$size" -v u="$(stat -c %s "$bin")" \
  'BEGIN { printf "release: %s (%s), %d bytes = %.2f MiB (budget 16 MiB); unstripped %d bytes\n", f, a, s, s / 1048576, u }'
echo "release: shared libraries it needs: $("$readelf" -d "$out/fieldgate" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
if [ "$size" -gt "$budget" ]; then
  echo "release: OVER BUDGET by $((size - budget)) bytes" >&2
  exit 1
fi
