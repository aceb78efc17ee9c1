#!/usr/bin/env bash
# A Debian 12 sysroot for another architecture with Fieldgate's C dependencies in it, and a proof
# that they cross-link: the five libraries, through the same Sources/C*/shim.h headers and
# pkg-config names the Swift modules use, linked by the toolchain's clang and lld, and run under
# qemu-user if it is installed (docs/install.md, "Cross-compiling").
#
#   scripts/cross-sysroot.sh [ARCH] [DIR]     ARCH: arm64 (default) or armhf; DIR: out/sysroot-ARCH
#
# Needs root, debootstrap and Debian's archive; about a minute. The sysroot is the half of a
# Swift SDK that Debian can supply; the other half, the Swift runtime for the target, comes from
# swift.org.
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
  --include=libc6-dev,libgcc-12-dev,libstdc++-12-dev,libmodbus-dev,libgpiod-dev,libsqlite3-dev,libmosquitto-dev,libcrypt-dev \
  bookworm "$root" >/dev/null
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
    printf("libmodbus %s, libgpiod %s, SQLite %s, libmosquitto %d.%d.%d, crypt prefers %s, RTU context %s\n",
           LIBMODBUS_VERSION_STRING, gpiod_version_string(), sqlite3_libversion(), major, minor, revision,
           crypt_preferred_method(), ctx ? "made" : "failed");
    modbus_free(ctx);
    return 0;
}
EOF
# shellcheck disable=SC2046
/opt/swift/usr/bin/clang --target="$triple" --sysroot="$root" -fuse-ld=lld -ISources "$probe/probe.c" \
  $(pkg-config --cflags --libs libmodbus libgpiod sqlite3 libmosquitto libcrypt) -o "$probe/probe"
echo "cross-sysroot: linked $(file -b "$probe/probe" | cut -d, -f1-2)"
if command -v "$qemu" >/dev/null; then
  echo "cross-sysroot: under $qemu: $("$qemu" -L "$root" "$probe/probe")"
else
  echo "cross-sysroot: $qemu is not installed (apt-get install qemu-user-static): not run"
fi
