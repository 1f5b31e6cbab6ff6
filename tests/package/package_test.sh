#!/usr/bin/env bash
# The Debian package holds what an administrator needs and works from
# wherever it is unpacked: builds it with cpack from the build tree given,
# unpacks it with dpkg -x into a throw-away root, checks its control data and
# files, and runs the unpacked custos (its --help, and `contract list`, which
# reads the templates from the package's own share folder, not the source).
#   tests/package/package_test.sh BUILD_DIR
set -euo pipefail
BUILD="$1"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/custos-package-test-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "package_test: $*" >&2; exit 1; }

(cd "$BUILD" && cpack -G DEB -B "$WORK/out" >"$WORK/cpack.log" 2>&1) \
  || { cat "$WORK/cpack.log" >&2; fail "cpack failed"; }
DEB="$(ls "$WORK"/out/custos_*.deb)"
[ -f "$DEB" ] || fail "no .deb produced"
dpkg-deb --info "$DEB" >"$WORK/info"
grep -q '^ Package: custos$' "$WORK/info" || fail "package name"
grep -Eq '^ Depends: .*libsodium' "$WORK/info" || fail "Depends lacks libsodium: $(grep Depends "$WORK/info")"
grep -Eq '^ Depends: .*liblmdb' "$WORK/info" || fail "Depends lacks liblmdb"
grep -Eq '^ Depends: .*libpoco' "$WORK/info" || fail "Depends lacks Poco"
grep -Eq '^ Depends: .*libjemalloc' "$WORK/info" || fail "Depends lacks libjemalloc (the allocator custos links)"
grep -Eq '^ Depends: .*libicu' "$WORK/info" || fail "Depends lacks libicu (names in pinyin order)"
grep -Eq '^ Depends: .*adduser' "$WORK/info" || fail "Depends lacks adduser"
dpkg-deb --ctrl-tarfile "$DEB" | tar -t >"$WORK/control-files"
for f in ./conffiles ./postinst ./prerm; do
  grep -qx "$f" "$WORK/control-files" || fail "control lacks $f"
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles | grep -qx /etc/custos/custos.properties \
  || fail "custos.properties is not a conffile"
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./postinst | grep -q 'adduser --system' \
  || fail "postinst does not create the system user"

ROOT="$WORK/root"
dpkg -x "$DEB" "$ROOT"
for f in usr/bin/custos \
         usr/share/custos/ui/index.html \
         usr/share/custos/contract-templates/templates/cn-employee-nda.xml \
         usr/share/custos/contract-templates/letters \
         usr/share/custos/contract-templates/data/minimum-wages.json \
         usr/share/custos/policy/default-policy.xml \
         etc/custos/custos.properties \
         lib/systemd/system/custos.service \
         usr/share/doc/custos/operations.md; do
  [ -e "$ROOT/$f" ] || fail "the package lacks /$f"
done
grep -q '^LoadCredentialEncrypted=passphrase:' "$ROOT/lib/systemd/system/custos.service" \
  || fail "the unit does not pass the passphrase as a credential"
grep -q '^ProtectSystem=strict' "$ROOT/lib/systemd/system/custos.service" || fail "unit hardening"
[ -x "$ROOT/usr/bin/custos" ] || fail "custos is not executable"

"$ROOT/usr/bin/custos" --help >"$WORK/help" 2>&1 || true
grep -q 'Commands:' "$WORK/help" || { cat "$WORK/help" >&2; fail "custos --help"; }
grep -q 'backup' "$WORK/help" || fail "custos --help does not list backup"
# The unpacked binary reads its templates from the unpacked share folder:
# with the copy there renamed away, it no longer finds the NDA.
"$ROOT/usr/bin/custos" contract list >"$WORK/list" 2>&1 || { cat "$WORK/list" >&2; fail "contract list"; }
grep -q 'cn-employee-nda' "$WORK/list" || fail "contract list from the package: $(cat "$WORK/list")"
mv "$ROOT/usr/share/custos/contract-templates/templates/cn-employee-nda.xml" "$WORK/nda.xml"
"$ROOT/usr/bin/custos" contract list >"$WORK/list2" 2>&1 || true
if grep -q 'cn-employee-nda' "$WORK/list2"; then
  fail "custos read the templates from somewhere other than its package"
fi
"$ROOT/usr/bin/custos" serve --config "$ROOT/etc/custos/custos.properties" --print-config \
  >"$WORK/config" 2>&1 || { cat "$WORK/config" >&2; fail "the packaged sample configuration"; }
grep -qx 'data = /var/lib/custos' "$WORK/config" || fail "sample configuration: $(cat "$WORK/config")"
echo "package_test: $(basename "$DEB") OK"
