#!/usr/bin/env bash
# The arm64 build for Debian 13 boards, from Debian's archive alone (docs/install.md, "arm64 from
# Debian 13"): Debian's own Swift 6.0.3 as the compiler, Debian's arm64 packages as the SDK.
#
#   scripts/arm64.sh build          out/arm64/fieldgate (release, static Swift stdlib, stripped,
#                                   size checked) and out/fieldgate_VERSION_arm64.deb  (make arm64)
#   scripts/arm64.sh compile [DIR]  sources and tests of checkout DIR (default: this one) built
#                                   with Swift 6.0.3 for arm64, nothing run: the quick check that
#                                   a change still compiles with Debian's Swift
#   scripts/arm64.sh unit           the arm64 unit tests of the pure modules and of FieldHAL's
#                                   libgpiod 2 backend, under qemu-aarch64-static
#   scripts/arm64.sh e2e            the end-to-end tests that matter, with the arm64 gateway under
#                                   qemu against the x86 fieldsim and mosquitto (needs the x86
#                                   tests built: make test, or swift build --build-tests)
#   scripts/arm64.sh test           unit, then e2e                                   (make arm64-test)
#   scripts/arm64.sh bench          CPU per poll of the x86 and the arm64 gateway (under qemu), one run
#   scripts/arm64.sh sdk            only the cache: the trixie root and the SDK
#   scripts/arm64.sh shell          a shell in the trixie root, this checkout at /src
#
# The cache (FIELDGATE_ARM64_CACHE, default /var/cache/fieldgate-arm64) holds, built once:
#   host/                      an amd64 Debian 13 root (debootstrap) with swiftlang 6.0.3: the
#                              compiler. The build runs in it (chroot, this checkout bind-mounted
#                              at /src, in a mount namespace of its own so nothing stays mounted)
#   host/opt/fieldgate-sdk/debian13-arm64.artifactbundle
#                              the Swift SDK: Debian 13's arm64 swiftlang, libc6-dev, libstdc++,
#                              libgcc and the five C libraries' -dev packages unpacked (dpkg-deb -x,
#                              nothing run), their symbols/shlibs files for the package's Depends
#   host/build/                SwiftPM scratch paths (release, debug)
# Needs root, debootstrap and Debian's archive (DEBIAN_MIRROR, default deb.debian.org); a cold run
# downloads about 1 GB once.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cache=${FIELDGATE_ARM64_CACHE:-/var/cache/fieldgate-arm64}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
host=$cache/host
sdks=/opt/fieldgate-sdk                  # inside the host root
sdk_id=debian13-arm64
bundle=$host$sdks/$sdk_id.artifactbundle
sysroot=$bundle/sdk/sysroot
target=aarch64-unknown-linux-gnu
multiarch=aarch64-linux-gnu
# The compiler's root and the SDK's packages. The host compiler must be the same Swift as the
# SDK's modules: both come from the same suite, and `check_sdk` compares their versions.
host_packages=swiftlang,libc6-dev,pkg-config,binutils-aarch64-linux-gnu
sdk_packages=swiftlang,libswiftlang,libc6-dev,libstdc++-14-dev,libgcc-14-dev,libmodbus-dev,libgpiod-dev,libsqlite3-dev,libmosquitto-dev,libcrypt-dev
# pkg-config name → the Debian package that ships it (for the error when one is missing).
declare -A c_libraries=([libmodbus]=libmodbus-dev [libgpiod]=libgpiod-dev [sqlite3]=libsqlite3-dev
                        [libmosquitto]=libmosquitto-dev [libcrypt]=libcrypt-dev)
qemu=qemu-aarch64-static

say() { echo "arm64: $*"; }
fail() { echo "arm64: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || fail "$1 needs root (debootstrap, chroot, mounts): run it as root"; }
# Seconds since $1 (from `now`), for the timings each step prints.
now() { date +%s; }
took() { echo "$(( $(date +%s) - $1 )) s"; }

# MARK: the cache

# The amd64 trixie root with Debian's Swift: the compiler.
make_host() {
  [ -f "$host/.fieldgate-ready" ] && return 0
  need_root "making the trixie root"
  command -v debootstrap >/dev/null || fail "debootstrap is missing: apt-get install debootstrap"
  local t; t=$(now)
  say "making the Debian 13 amd64 root with swiftlang in $host (once; a few minutes)"
  rm -rf "$host.tmp"
  mkdir -p "$cache"
  debootstrap --variant=minbase --include="$host_packages" "$suite" "$host.tmp" "$mirror" >"$cache/host.log" 2>&1 ||
    fail "debootstrap of $suite (amd64) from $mirror failed; the last lines of $cache/host.log:
$(tail -5 "$cache/host.log")"
  rm -rf "$host.tmp"/var/cache/apt/archives/*.deb
  touch "$host.tmp/.fieldgate-ready"
  mv "$host.tmp" "$host"
  say "trixie root ready in $(took "$t")"
}

# The arm64 Swift SDK: Debian's arm64 packages unpacked, plus the bundle's JSON files.
make_sdk() {
  [ -f "$bundle/.fieldgate-ready" ] && return 0
  need_root "making the arm64 SDK"
  local t tmp deb control; t=$(now)
  say "making the arm64 Swift SDK from Debian 13's packages in $bundle (once; a few minutes)"
  tmp=$bundle.tmp
  rm -rf "$tmp"
  mkdir -p "$tmp/sdk"
  # --foreign: only download and unpack, nothing runs (no qemu). Every downloaded package is
  # then unpacked as it is; their symbols and shlibs files go where dpkg keeps them, for
  # scripts/deb.sh to compute the package's Depends.
  debootstrap --arch=arm64 --foreign --variant=minbase --include="$sdk_packages" "$suite" "$tmp/sdk/sysroot" "$mirror" \
    >"$cache/sdk.log" 2>&1 || fail "debootstrap of $suite (arm64) from $mirror failed; the last lines of $cache/sdk.log:
$(tail -5 "$cache/sdk.log")"
  local swift_version
  swift_version=$(dpkg-deb -f "$tmp"/sdk/sysroot/var/cache/apt/archives/swiftlang_*_arm64.deb Version)
  control=$(mktemp -d)
  mkdir -p "$tmp/sdk/sysroot/var/lib/dpkg/info"
  for deb in "$tmp"/sdk/sysroot/var/cache/apt/archives/*.deb; do
    dpkg-deb -x "$deb" "$tmp/sdk/sysroot"
    rm -rf "$control"/*
    dpkg-deb -e "$deb" "$control"
    local package; package=$(dpkg-deb -f "$deb" Package)
    for f in symbols shlibs; do
      [ -f "$control/$f" ] && cp "$control/$f" "$tmp/sdk/sysroot/var/lib/dpkg/info/$package.$f"
    done
  done
  rm -rf "$control" "$tmp"/sdk/sysroot/var/cache/apt/archives/*.deb "$tmp/sdk/sysroot/debootstrap"
  # Device nodes and mount points are no part of an SDK, and under qemu -L they would shadow
  # the machine's own /dev, /proc and /tmp.
  rm -rf "$tmp"/sdk/sysroot/{dev,proc,sys,run,tmp}
  local resources=usr/libexec/swift/lib
  [ -f "$tmp/sdk/sysroot/$resources/swift_static/linux/static-stdlib-args.lnk" ] ||
    fail "the arm64 swiftlang in $tmp/sdk/sysroot has no $resources/swift_static/linux/static-stdlib-args.lnk: not the Swift package this script knows"
  # The Swift resources find clang's headers through lib/swift/clang → ../clang/17: make it a
  # copy, so the resource directory is whole wherever a tool looks at it from.
  if [ -L "$tmp/sdk/sysroot/$resources/swift/clang" ]; then
    local clang; clang=$(readlink -f "$tmp/sdk/sysroot/$resources/swift/clang")
    rm "$tmp/sdk/sysroot/$resources/swift/clang"
    cp -a "$clang" "$tmp/sdk/sysroot/$resources/swift/clang"
  fi
  # Debian's swift calls this machine x86_64-pc-linux-gnu (swift.org's: x86_64-unknown-linux-gnu):
  # the bundle must list the triple the host compiler reports, or SwiftPM will not use it.
  local host_triple
  host_triple=$(in_host "$repo" swiftc -print-target-info | sed -n 's/.*"triple": *"\([^"]*\)".*/\1/p' | head -1)
  [ -n "$host_triple" ] || fail "cannot read the host triple from swiftc -print-target-info in $host"
  cat >"$tmp/info.json" <<EOF
{
  "schemaVersion": "1.0",
  "artifacts": {
    "$sdk_id": {
      "type": "swiftSDK",
      "version": "$swift_version",
      "variants": [{ "path": "sdk", "supportedTriples": ["$host_triple"] }]
    }
  }
}
EOF
  cat >"$tmp/sdk/swift-sdk.json" <<EOF
{
  "schemaVersion": "4.0",
  "targetTriples": {
    "$target": {
      "sdkRootPath": "sysroot",
      "swiftResourcesPath": "sysroot/$resources/swift",
      "swiftStaticResourcesPath": "sysroot/$resources/swift_static",
      "toolsetPaths": ["toolset.json"]
    }
  }
}
EOF
  # Debian's swiftlang ships lld; the default linker (gold) is not in the root.
  cat >"$tmp/sdk/toolset.json" <<EOF
{
  "schemaVersion": "1.0",
  "swiftCompiler": { "extraCLIOptions": ["-use-ld=lld"] },
  "linker": { "path": "/usr/libexec/swift/bin/ld.lld" }
}
EOF
  touch "$tmp/.fieldgate-ready"
  rm -rf "$bundle"
  mv "$tmp" "$bundle"
  say "arm64 SDK ready in $(took "$t") ($(du -sh "$bundle" | cut -f1))"
}

# Refuses an SDK that cannot work, saying what is missing and how to get it.
check_sdk() {
  [ -d "$host/usr/libexec/swift" ] || fail "no Swift compiler in $host (swiftlang missing): remove $host and run scripts/arm64.sh sdk again"
  [ -f "$bundle/info.json" ] && [ -f "$bundle/sdk/swift-sdk.json" ] ||
    fail "no Swift SDK at $bundle (info.json, sdk/swift-sdk.json): run scripts/arm64.sh sdk (or remove $bundle if it is half-made)"
  grep -q "\"$target\"" "$bundle/sdk/swift-sdk.json" ||
    fail "the SDK at $bundle is not for $target (sdk/swift-sdk.json): remove $bundle and run scripts/arm64.sh sdk"
  local triple
  triple=$(in_host "$repo" swiftc -print-target-info | sed -n 's/.*"triple": *"\([^"]*\)".*/\1/p' | head -1)
  grep -q "\"$triple\"" "$bundle/info.json" ||
    fail "the SDK at $bundle does not list this compiler's host triple $triple in info.json's supportedTriples: remove $bundle and run scripts/arm64.sh sdk"
  local host_swift sdk_swift
  host_swift=$(in_host "$repo" swiftc --version 2>&1 | grep -oE 'Swift version [0-9.]+' || true)
  sdk_swift=$(grep -aoE 'Swift version [0-9.]+' "$sysroot/usr/libexec/swift/bin/swift-frontend" 2>/dev/null | head -1 || true)
  [ -n "$host_swift" ] || fail "swiftc does not run in $host: remove $host and run scripts/arm64.sh sdk"
  [ -z "$sdk_swift" ] || [ "$host_swift" = "$sdk_swift" ] ||
    fail "the SDK's Swift modules are $sdk_swift, the compiler in $host is $host_swift: they must be the same (remove both and run scripts/arm64.sh sdk)"
  local pc missing=()
  for pc in "${!c_libraries[@]}"; do
    [ -f "$sysroot/usr/lib/$multiarch/pkgconfig/$pc.pc" ] || [ -f "$sysroot/usr/share/pkgconfig/$pc.pc" ] ||
      missing+=("$pc.pc (Debian package ${c_libraries[$pc]}:arm64)")
  done
  [ ${#missing[@]} -eq 0 ] || fail "the SDK's sysroot $sysroot has no ${missing[*]}: add the package to sdk_packages in scripts/arm64.sh, remove $bundle and run scripts/arm64.sh sdk"
}

# MARK: running in the trixie root

# Runs a command in the trixie root with checkout $1 at /src, the cross-compilation environment
# set, in a private mount namespace (the mounts go away with the command).
in_host() {
  local src=$1; shift
  need_root "running in the trixie root"
  local gpiod=""
  [ -f "$sysroot/usr/lib/$multiarch/pkgconfig/libgpiod.pc" ] &&
    gpiod=$(sed -n 's/^Version: *//p' "$sysroot/usr/lib/$multiarch/pkgconfig/libgpiod.pc")
  unshare --mount --propagation private -- /bin/bash -c '
    set -e
    host=$1 src=$2; shift 2
    mount --bind /proc "$host/proc"
    mount --rbind /dev "$host/dev"
    mkdir -p "$host/src" "$host/build"
    mount --bind "$src" "$host/src"
    exec chroot "$host" "$@"' _ "$host" "$src" \
    /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 TERM=dumb \
      SWIFT_SDK=$sdk_id SWIFT_SDKS_PATH=$sdks FIELDGATE_LIBGPIOD="$gpiod" \
      PKG_CONFIG_SYSROOT_DIR="$sdks/$sdk_id.artifactbundle/sdk/sysroot" \
      PKG_CONFIG_LIBDIR="$sdks/$sdk_id.artifactbundle/sdk/sysroot/usr/lib/$multiarch/pkgconfig:$sdks/$sdk_id.artifactbundle/sdk/sysroot/usr/share/pkgconfig" \
      "$@"
}

# MARK: steps

step_sdk() {
  local t; t=$(now)
  make_host
  make_sdk
  check_sdk
  say "cache $cache ready ($(took "$t"))"
}

step_build() {
  step_sdk
  local t; t=$(now)
  in_host "$repo" /bin/bash -c 'cd /src && OUT=/src/out/arm64 SCRATCH=/build/release bash scripts/release.sh'
  say "release build: $(took "$t")"
  bash scripts/deb.sh --binary out/arm64/fieldgate --sysroot "$sysroot" --out out
}

# Sources and tests of a checkout, debug, for arm64: what compiles with Swift 6.0.3.
step_compile() {
  local src; src=$(realpath "${1:-$repo}")
  [ -f "$src/Package.swift" ] || fail "$src has no Package.swift"
  step_sdk
  local t; t=$(now)
  in_host "$src" /bin/bash -c 'set -o pipefail; cd /src && swift build --build-tests --swift-sdk "$SWIFT_SDK" --swift-sdks-path "$SWIFT_SDKS_PATH" --scratch-path /build/debug 2>&1 |
    { grep -v "the use of \`mktemp'"'"' is dangerous" || true; }'
  say "sources and tests of $src compile with $(in_host "$src" swiftc --version 2>&1 | grep -oE 'Swift version [0-9.]+') for $target ($(took "$t"))"
}

# Runs an arm64 program under qemu with the SDK's sysroot as its root for absolute paths, this
# checkout visible at /src (where the tests were compiled) inside a mount namespace of its own.
under_qemu() {
  command -v "$qemu" >/dev/null || fail "$qemu is missing: apt-get install qemu-user-static (scripts/install-deps.sh)"
  unshare --mount --propagation private -- /bin/bash -c '
    set -e
    sysroot=$1 src=$2; shift 2
    mkdir -p "$sysroot/src"
    mount --bind "$src" "$sysroot/src"
    cd /src 2>/dev/null || cd "$src"
    exec "$@"' _ "$sysroot" "$repo" \
    env LD_LIBRARY_PATH=/usr/libexec/swift/lib/swift/linux "$qemu" -L "$sysroot" "$@"
}

step_unit() {
  step_compile "$repo"
  local bundle_bin=$host/build/debug/$target/debug/FieldgatePackageTests.xctest
  [ -x "$bundle_bin" ] || fail "no $bundle_bin after the build"
  local t; t=$(now)
  # The pure modules, FieldHAL's libgpiod backend (its v2 driver here) and the tests of the
  # ioctls qemu-user answers differently (watchdog, kernel RS-485). Not the ones that are long
  # simulations, 6–13 s of CPU natively and several minutes each under emulation, whose logic is
  # the same on every CPU (make test runs them): the profile fuzz test (every leaf of every
  # built-in profile replaced by every wrong kind), the simulated days of the lift, the fire-water
  # devices, the air terminal and the electrical fire detector, and the detector's appliance
  # simulations (5 s natively, half of what is left: about 3 minutes under qemu).
  local filter='^(FieldCoreTests|FieldDevicesTests|FieldAppsTests|GB26875Tests)\.|GPIOLibgpiodBackendTests|WatchdogTests|kernelRS485OnAPortWithoutItFailsAtConnect'
  local skip='ProfileFuzzTests|ElevatorTrafficDayTests|FireWaterDayTests|AirQualityDayTests|ElectricalFireDayTests|ElectricalFireApplianceTests'
  say "unit tests under $qemu: $filter, without $skip"
  under_qemu "$bundle_bin" --testing-library swift-testing --filter "$filter" --skip "$skip" 2>&1 | tee "$cache/unit.log" | grep -vE '^.{0,3}(Test|Suite) .* (started|passed after)' || true
  grep -qE 'Test run with [0-9]+ tests? (in [0-9]+ suites? )?passed' "$cache/unit.log" ||
    fail "the arm64 unit tests did not all pass (log: $cache/unit.log)"
  say "arm64 unit tests: $(grep -oE 'Test run with [0-9]+ tests?.*' "$cache/unit.log" | tail -1) ($(took "$t"))"
}

step_e2e() {
  [ -x out/arm64/fieldgate ] || fail "no out/arm64/fieldgate: run scripts/arm64.sh build (make arm64) first"
  [ -x .build/debug/FieldgatePackageTests.xctest ] || fail "the x86 tests are not built: swift build --build-tests (make test)"
  command -v "$qemu" >/dev/null || fail "$qemu is missing: apt-get install qemu-user-static (scripts/install-deps.sh)"
  local wrapper=out/arm64/fieldgate-qemu t; t=$(now)
  # The gateway the end-to-end tests start (FIELDGATE_BINARY): the arm64 one, under qemu-user.
  # exec: signals sent to the wrapper's pid (SIGTERM, kill -9) reach qemu, which passes them on.
  cat >"$wrapper" <<EOF
#!/bin/sh
exec $qemu -L "$sysroot" "$repo/out/arm64/fieldgate" "\$@"
EOF
  chmod +x "$wrapper"
  say "$("$wrapper" version 2>&1 | head -1) under $qemu"
  # Devices polled and points good (values), a command and a clean SIGTERM (commands), alarms of
  # the fire-water, lamp-pole, pump-room and lift families delivered through a broker outage and
  # a kill -9 (outages), the console on its pty.
  local filter='DemoSiteValueTests|DemoSiteCommandTests|UplinkOutageTests|GatewayConsoleTests/aTechniciansSessionThroughTheConsolePty'
  FIELDGATE_BINARY=$repo/$wrapper PATH=/opt/swift/usr/bin:$PATH \
    swift test --skip-build --filter "$filter" 2>&1 | tee "$cache/e2e.log" | grep -E '✔|✘|passed|failed|error' | grep -v 'started' || true
  grep -qE 'Test run with [0-9]+ tests? (in [0-9]+ suites? )?passed' "$cache/e2e.log" ||
    fail "the end-to-end tests against the arm64 gateway did not all pass (log: $cache/e2e.log)"
  say "end-to-end against the arm64 gateway: $(grep -oE 'Test run with [0-9]+ tests?.*' "$cache/e2e.log" | tail -1) ($(took "$t"))"
}

# The gateway's CPU per poll, x86 and arm64 under qemu, one after the other in one run with the
# same load (fieldbench runtime tcp; docs/benchmarks.md, "arm64"). qemu is not a board: the ratio
# is what emulation costs on this machine, not how fast a Raspberry Pi is.
step_bench() {
  local fieldbench=.build/release/fieldbench
  [ -x "$fieldbench" ] || fieldbench=.build/debug/fieldbench
  [ -x "$fieldbench" ] || fail "no fieldbench: swift build -c release (or swift build)"
  [ -x out/fieldgate ] || fail "no out/fieldgate (x86): make release"
  [ -x out/arm64/fieldgate-qemu ] || fail "no out/arm64/fieldgate-qemu: scripts/arm64.sh e2e makes it"
  local seconds=${BENCH_SECONDS:-30} x86 arm
  "$fieldbench" runtime tcp --fieldgate out/fieldgate --warmup 10 --seconds "$seconds" >"$cache/bench-x86.log"
  "$fieldbench" runtime tcp --fieldgate "$repo/out/arm64/fieldgate-qemu" --warmup 20 --seconds "$seconds" >"$cache/bench-arm64.log"
  for run in x86 arm64; do
    say "$run: $(grep -E '^(polls answered|CPU, one core|CPU per poll)' "$cache/bench-$run.log" | tr -s ' ' | paste -sd ';')"
  done
  x86=$(sed -n 's/^CPU per poll *\([0-9.]*\) µs.*/\1/p' "$cache/bench-x86.log")
  arm=$(sed -n 's/^CPU per poll *\([0-9.]*\) µs.*/\1/p' "$cache/bench-arm64.log")
  [ -n "$x86" ] && [ -n "$arm" ] || fail "fieldbench printed no CPU per poll"
  awk -v x="$x86" -v a="$arm" 'BEGIN { printf "arm64: CPU per poll: x86 %.1f µs, arm64 under qemu-aarch64-static %.1f µs: %.1f× (qemu is not a board)\n", x, a, a / x }'
}

case "${1:-build}" in
  sdk) step_sdk ;;
  build) step_build ;;
  compile) step_compile "${2:-}" ;;
  unit) step_unit ;;
  e2e) step_e2e ;;
  test) step_unit; step_e2e ;;
  bench) step_bench ;;
  shell) step_sdk; in_host "$repo" /bin/bash ;;
  *) fail "usage: scripts/arm64.sh [build|compile [DIR]|unit|e2e|test|bench|sdk|shell]" ;;
esac
