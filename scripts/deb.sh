#!/usr/bin/env bash
# `make deb`: the Debian package, built with dpkg-deb from out/fieldgate (make release).
#
#   scripts/deb.sh [--binary FILE] [--arch ARCH] [--sysroot DIR] [--board ID] [--out DIR] [--compress xz|gzip|none] [--lint]
#
# --arch      the package's architecture; by default read off the binary (an arm64 binary from a
#             cross build makes an arm64 package), which must agree with it
# --sysroot   for a binary of another architecture: the root its libraries come from (the arm64
#             SDK's, scripts/arm64.sh), whose symbols/shlibs files give the package's Depends
# --board     the board the default /etc/fieldgate/site.json names (default rpi4-2ch-rs485)
# --compress  xz for releases (default); the packaging test uses gzip to save time
# --lint      run lintian on the result when it is installed
# --unpackaged-ok  leave libraries no package provides out of Depends (a debug binary linking the
#             toolchain's Swift runtime, for scripts/test-deb.sh) instead of failing
#
# Layout: /usr/bin/fieldgate, /lib/systemd/system/fieldgate.service, /lib/udev/rules.d,
# /etc/fieldgate/{site.json,site.json.factory,site.example.json} (conffiles), /usr/share/fieldgate/boards,
# /usr/share/doc/fieldgate, /usr/share/man/man1/fieldgate.1.gz, /var/lib/fieldgate. Maintainer scripts: packaging/debian.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

binary=out/fieldgate
arch=""
sysroot=""
unpackaged=""
board=rpi4-2ch-rs485
out=out
compress=xz
lint=no
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --sysroot) sysroot=$2; shift 2 ;;
    --board) board=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --compress) compress=$2; shift 2 ;;
    --lint) lint=yes; shift ;;
    --unpackaged-ok) unpackaged=--ignore-missing-info; shift ;;
    *) echo "deb: unknown option $1" >&2; exit 2 ;;
  esac
done
fail() { echo "deb: $*" >&2; exit 1; }
[ -x "$binary" ] || fail "no $binary (run make release first)"
[ -f "boards/$board.json" ] || fail "no board file boards/$board.json"

# The architecture the binary was built for, in Debian's words.
elf_arch() {
  local header machine
  header=$(readelf -h "$1")
  machine=$(sed -n 's/^ *Machine: *//p' <<<"$header")
  case "$machine" in
    *X86-64*) echo amd64 ;;
    AArch64) echo arm64 ;;
    ARM) if grep -q 'hard-float' <<<"$header"; then echo armhf; else echo armel; fi ;;
    RISC-V) echo riscv64 ;;
    *) fail "cannot tell the Debian architecture of $1 (machine \"$machine\"): pass --arch" ;;
  esac
}
built_for=$(elf_arch "$binary")
arch=${arch:-$built_for}
[ "$arch" = "$built_for" ] || fail "--arch $arch, but $binary is built for $built_for"

version=$(sed -n 's/.*static let string = "\(.*\)".*/\1/p' Sources/FieldCore/Version.swift)
[ -n "$version" ] || fail "cannot read the version from Sources/FieldCore/Version.swift"
maintainer=${DEB_MAINTAINER:-Fieldgate developers <fieldgate@example.com>}
# Reproducible: every timestamp is the last commit's.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
doc=$root/usr/share/doc/fieldgate

install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/lib/udev/rules.d" \
  "$root/etc/fieldgate" "$root/usr/share/fieldgate/boards" "$doc" "$root/usr/share/man/man1" "$root/var/lib/fieldgate"
install -m 0755 "$binary" "$root/usr/bin/fieldgate"
install -m 0644 packaging/fieldgate.service "$root/lib/systemd/system/fieldgate.service"
install -m 0644 packaging/60-fieldgate.rules "$root/lib/udev/rules.d/60-fieldgate.rules"
install -m 0644 boards/*.json "$root/usr/share/fieldgate/boards/"
gzip -9n <packaging/fieldgate.1 >"$root/usr/share/man/man1/fieldgate.1.gz"
chmod 0644 "$root/usr/share/man/man1/fieldgate.1.gz"

sed "s/@BOARD@/$board/" packaging/site.json.in >"$root/etc/fieldgate/site.json"
# What the console's factory-reset goes back to; integrators put their commissioning copy here.
cp "$root/etc/fieldgate/site.json" "$root/etc/fieldgate/site.json.factory"
# The example is the one docs/configuration.md shows, which the tests check.
sed -n '/^## A full example/,/^## /p' docs/configuration.md | sed -n '/^```json$/,/^```$/p' | sed '1d;$d' \
  >"$root/etc/fieldgate/site.example.json"
[ -s "$root/etc/fieldgate/site.example.json" ] || fail "no example site found in docs/configuration.md"
chmod 0644 "$root/etc/fieldgate/"*.json "$root/etc/fieldgate/site.json.factory"

install -m 0644 README.md docs/*.md "$doc/"
install -m 0644 packaging/debian/copyright "$doc/copyright"
{
  echo "fieldgate ($version) unstable; urgency=medium"
  echo
  echo "  * Fieldgate $version, built from $(git describe --always --dirty 2>/dev/null || echo 'a source tree')."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$epoch")"
} | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# Depends: what the binary links against, computed, never a fixed list. A native binary:
# dpkg-shlibdeps with this machine's package database. Another architecture's: the same rule
# (each library's package, at the newest version any symbol used from it needs) from the
# symbols and shlibs files of the sysroot it was linked against.
depends=""
if [ "$arch" = "$(dpkg --print-architecture)" ] && [ -z "$sysroot" ]; then
  command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps is missing (apt-get install dpkg-dev): it computes the package's Depends"
  mkdir -p "$stage/src/debian"
  printf 'Source: fieldgate\n\nPackage: fieldgate\nArchitecture: any\n' >"$stage/src/debian/control"
  found=$(cd "$stage/src" && dpkg-shlibdeps $unpackaged -O "$root/usr/bin/fieldgate" 2>"$stage/shlibdeps.log") ||
    fail "dpkg-shlibdeps could not map every library $binary needs to a package (a debug binary, or a library built by hand?):
$(cat "$stage/shlibdeps.log")"
  depends=${found#shlibs:Depends=}
else
  [ -n "$sysroot" ] || fail "$binary is built for $arch, not this machine's $(dpkg --print-architecture): its Depends come from the sysroot it was linked against; pass --sysroot DIR (make arm64 does: scripts/arm64.sh build)"
  info=$sysroot/var/lib/dpkg/info
  compgen -G "$info/*.symbols" >/dev/null || compgen -G "$info/*.shlibs" >/dev/null ||
    fail "$sysroot has no package symbols or shlibs files in var/lib/dpkg/info: not an SDK sysroot made by scripts/arm64.sh (run scripts/arm64.sh sdk)"
  needed=$(readelf -d "$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
  # Undefined dynamic symbols as the symbols files spell them: name@VERSION, or name@Base.
  used=$(readelf --dyn-syms -W "$binary" | awk '$7 == "UND" && $8 != "" { s = $8; if (s !~ /@/) s = s "@Base"; print s }' | sort -u)
  deps=()
  for soname in $needed; do
    dep=""
    symbols=$(grep -l "^$soname " "$info"/*.symbols 2>/dev/null | head -1 || true)
    if [ -n "$symbols" ]; then
      # The soname's block: its header line "SONAME PACKAGE #MINVER#", then " symbol version".
      dep=$(awk -v so="$soname" -v used="$used" '
        BEGIN { n = split(used, u, "\n"); for (i = 1; i <= n; i++) want[u[i]] = 1 }
        /^[^ #*|]/ { inblock = ($1 == so); if (inblock) { $1 = ""; template = substr($0, 2) } ; next }
        inblock && /^ / && ($1 in want) { print "V " $2 }
        END { print "T " template }' "$symbols")
      template=$(sed -n 's/^T //p' <<<"$dep")
      minver=$(sed -n 's/^V //p' <<<"$dep" | sort -V | tail -1)
      if [ -n "$minver" ]; then dep=${template/\#MINVER\#/(>= $minver)}; else dep=${template/ \#MINVER\#/}; fi
    else
      # shlibs: "libname soversion dependency" for libname.so.soversion.
      shlibs=$(compgen -G "$info/*.shlibs" || true)
      [ -z "$shlibs" ] || dep=$(awk -v n="${soname%.so.*}" -v v="${soname##*.so.}" '$1 == n && $2 == v { $1 = ""; $2 = ""; print substr($0, 3); exit }' $shlibs)
    fi
    [ -n "$dep" ] || fail "no package in $sysroot says which package provides $soname, which $binary needs: add the $arch package that ships it to the SDK (scripts/arm64.sh, sdk_packages)"
    deps+=("$dep")
  done
  # One entry per package, at the highest version asked for.
  depends=$(printf '%s\n' "${deps[@]}" | awk '
    { pkg = $1; ver = ""; if (match($0, /\(>= [^)]+\)/)) ver = substr($0, RSTART + 4, RLENGTH - 5); print pkg "\t" ver }' |
    sort -t$'\t' -k1,1 -k2,2V | awk -F'\t' '{ last[$1] = $2 } END { for (p in last) print p "\t" last[p] }' | sort |
    awk -F'\t' '{ printf "%s%s", (NR > 1 ? ", " : ""), ($2 == "" ? $1 : $1 " (>= " $2 ")") }')
fi
# Packed relative relocations (make release links with -z pack-relative-relocs) need the dynamic
# loader of glibc 2.36, which dpkg-shlibdeps does not know to ask for.
if readelf -V "$root/usr/bin/fieldgate" | grep -q GLIBC_ABI_DT_RELR; then
  libc=$(grep -oE 'libc6 \(>= [^)]+\)' <<<"$depends" | sed -E 's/libc6 \(>= (.*)\)/\1/')
  if [ -z "$libc" ] || dpkg --compare-versions "$libc" lt 2.36; then
    depends=$(sed -E 's/libc6( \(>= [^)]+\))?/libc6 (>= 2.36)/' <<<"$depends")
  fi
fi
depends="adduser, $depends"

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@MAINTAINER@/$maintainer/" \
    -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@DEPENDS@/$depends/" \
    packaging/debian/control.in >"$root/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | grep -vxF -f <(sed 's|^/||' DEBIAN/conffiles) |
  LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$epoch" {} +

mkdir -p "$out"
deb="$out/fieldgate_${version}_${arch}.deb"
case "$compress" in
  xz) z=(-Zxz -z9) ;;
  gzip) z=(-Zgzip -z1) ;;
  none) z=(-Znone) ;;
  *) fail "--compress: xz, gzip or none" ;;
esac
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group "${z[@]}" --build "$root" "$deb" >/dev/null
echo "deb: $deb ($(stat -c %s "$deb") bytes; Installed-Size $installed_size KiB; default board $board)"
echo "deb: Depends: $depends"

if [ "$lint" = yes ]; then
  if command -v lintian >/dev/null; then
    lintian --info "$deb" || true
  else
    echo "deb: lintian is not installed (apt-get install lintian): not linted"
  fi
fi
