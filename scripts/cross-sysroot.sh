#!/usr/bin/env bash
# A Debian 13 (trixie, what the boards run) sysroot for another architecture with Fieldgate's C
# dependencies in it, and a proof that they cross-link: the five libraries, through the same
# Sources/C*/shim.h headers and pkg-config names the Swift modules use, linked by the toolchain's
# clang and lld, and run under qemu-user if it is installed (docs/install.md, "Cross-compiling").
#
#   scripts/cross-sysroot.sh [ARCH] [DIR]     ARCH: arm64 (default) or armhf; DIR: out/sysroot-ARCH
#
# Needs root, debootstrap and Debian's archive; about a minute. The C side alone: the whole arm64
# build, Swift included, is scripts/arm64.sh (Debian 13 packages Swift for arm64; for armhf it
# packages none, so armhf stops at this C check).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-arm64}
root=$(realpath -m "${2:-out/sysroot-$arch}")
case "$arch" in
  arm64) triple=aarch64-linux-gnu; qemu=qemu-aarch64-static ;;
  armhf) triple=arm-linux-gnueabihf; qemu=qemu-arm-static ;;
  *) echo "cross-sysroot: ARCH is arm64 or armhf" >&2; exit 2 ;;
esac
command -v debootstrap >/dev/null || { echo "cross-sysroot: apt-get install debootstrap" >&2; exit 1; }

# The first stage only downloads what it does not need to run; nothing has to run here, so every
# downloaded package is unpacked as it is (no maintainer scripts, no qemu).
debootstrap --arch="$arch" --foreign --variant=minbase \
  --include=libc6-dev,libgcc-14-dev,libstdc++-14-dev,libmodbus-dev,libgpiod-dev,libsqlite3-dev,libmosquitto-dev,libcrypt-dev \
  trixie "$root" >/dev/null
for deb in "$root"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$root"; done
echo "cross-sysroot: $root"

export PKG_CONFIG_SYSROOT_DIR=$root
export PKG_CONFIG_LIBDIR=$root/usr/lib/$triple/pkgconfig:$root/usr/share/pkgconfig
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
cat >"$probe/probe.c" <<'EOF'
#include <stdio.h>
#include "CModbus/shim.h"
#include "CGPIOD/shim.h"
#include "CSQLite/shim.h"
#include "CMosquitto/shim.h"
#include "CCrypt/shim.h"

int main(void) {
    int major, minor, revision;
    mosquitto_lib_version(&major, &minor, &revision);
    modbus_t *ctx = modbus_new_rtu("/dev/ttyS1", 9600, 'N', 8, 1);
#if FIELDGATE_LIBGPIOD2
    const char *gpiod = gpiod_api_version();
#else
    const char *gpiod = gpiod_version_string();
#endif
    printf("libmodbus %s, libgpiod %s, SQLite %s, libmosquitto %d.%d.%d, crypt prefers %s, RTU context %s\n",
           LIBMODBUS_VERSION_STRING, gpiod, sqlite3_libversion(), major, minor, revision,
           crypt_preferred_method(), ctx ? "made" : "failed");
    modbus_free(ctx);
    return 0;
}
EOF
# libgpiod 2 (Debian 13) has another API than 1.6: the probe asks for its version the way it can.
gpiod_api=""
case "$(pkg-config --modversion libgpiod)" in 2.*) gpiod_api=-DFIELDGATE_LIBGPIOD2=1 ;; esac
# shellcheck disable=SC2046
/opt/swift/usr/bin/clang --target="$triple" --sysroot="$root" -fuse-ld=lld -ISources $gpiod_api "$probe/probe.c" \
  $(pkg-config --cflags --libs libmodbus libgpiod sqlite3 libmosquitto libcrypt) -o "$probe/probe"
echo "cross-sysroot: linked $(file -b "$probe/probe" | cut -d, -f1-2)"
if command -v "$qemu" >/dev/null; then
  echo "cross-sysroot: under $qemu: $("$qemu" -L "$root" "$probe/probe")"
else
  echo "cross-sysroot: $qemu is not installed (apt-get install qemu-user-static): not run"
fi
