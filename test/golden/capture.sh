#!/usr/bin/env bash
# Captures byte-exact stdout of the reference host-local (Debian, libcni v1.0.1)
# as golden files for test/unit/convert.test.ts. Re-run: bash test/golden/capture.sh
#
# Variants (config templates in <variant>.conf.json; __VERSION__, __DATADIR__ and
# __RESOLVCONF__ are substituted per run, a missing cniVersion is the "none" variant):
#   dual    v4 range set (gateway) + v6 range set, v4/v6 routes, resolvConf with all keys
#   multi   two v4 range sets + one v6 range set (0.2.0 keeps the first of each family)
#   single  v4 only, a v6 route (dropped in 0.2.0), no resolvConf
# Plus: host-local-version.out (VERSION verb) and error-*.json (error objects).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REF="${REF_PLUGIN_DIR:-/usr/lib/cni}"
PLUGIN="$REF/host-local"
VERSIONS=(0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0)

TMP="$(mktemp -d /tmp/cni-golden.XXXXXXXX)"
trap 'rm -rf "$TMP"' EXIT

cp "$HERE/golden.resolv.conf" "$TMP/resolv.conf"

run() { # run <verb> <stdin-file> <out-file>; keeps stdout byte-exact, ignores the exit status
  CNI_COMMAND="$1" CNI_CONTAINERID=golden CNI_NETNS=/dev/null CNI_IFNAME=eth0 CNI_PATH="$REF" \
    "$PLUGIN" <"$2" >"$3" 2>/dev/null || true
}

render() { # render <template> <version|none> <datadir> <out>
  local ver="$2"
  if [ "$ver" = none ]; then
    grep -v '"cniVersion"' "$1"
  else
    sed "s|__VERSION__|$ver|" "$1"
  fi | sed -e "s|__DATADIR__|$3|" -e "s|__RESOLVCONF__|$TMP/resolv.conf|" >"$4"
}

for variant in dual multi single; do
  for ver in "${VERSIONS[@]}" none; do
    dir="$TMP/data-$variant-$ver"    # fresh dataDir: every range hands out its first address
    render "$HERE/$variant.conf.json" "$ver" "$dir" "$TMP/conf.json"
    run ADD "$TMP/conf.json" "$HERE/host-local-$variant-$ver.json"
  done
done

: >"$TMP/empty"
run VERSION "$TMP/empty" "$HERE/host-local-version.out"

printf '{' >"$TMP/bad.json"
run ADD "$TMP/bad.json" "$HERE/error-decode.json"

printf '{"cniVersion":"9.9.9","name":"n","ipam":{"type":"host-local"}}' >"$TMP/badver.json"
run ADD "$TMP/badver.json" "$HERE/error-incompatible.json"

printf '{"cniVersion":"1.0.0","name":"n<&>","ipam":{"type":"host-local"}}' >"$TMP/badname.json"
run ADD "$TMP/badname.json" "$HERE/error-name.json"

echo "golden files written to $HERE"
