#!/usr/bin/env bash
# Runs the tests that need a stock kernel (ipvlan, 802.1q, bridge VLAN filtering:
# test/**/*.vm.test.ts) under ../shared/vm/run: one VM boot for the whole suite.
# Then a second, short boot on an old emulated CPU (CNI_VM_OLD_CPU, default qemu64, below
# x86-64-v2; `none` skips it) runs test/**/*.cpu.test.ts: the shipped dist/bin, whose bun
# build that CPU cannot run (SIGILL), must still answer through the shim's cnits-portable fallback.
# With arguments (a vitest filter) only the first boot runs.
# On the host these files skip, stating why. Without the VM runner this says so
# and exits 0 (the host run already reported them as skipped), 1 with CNI_VM_REQUIRED=1.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${CNI_VM_RUN:-$(cd .. && pwd)/shared/vm/run}
if [ ! -x "$RUN" ]; then
  echo "vm tests: SKIPPED: no VM runner at $RUN (set CNI_VM_RUN); the ipvlan/VLAN suites did not run" >&2
  [ "${CNI_VM_REQUIRED:-0}" = 1 ] && exit 1 || exit 0
fi
[ -x dist/portable/cnits ] && [ -x dist/bin/cnits-portable ] || npm run build

# boot NAME ENV... -- ARGS: one VM run of vitest; returns its status, 0 for "could not boot" (125) unless required
boot() {
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  local start rc
  start=$(date +%s)
  set +e
  # node directly, not npx/npm: each Node start costs ~1.3 s in the emulated guest
  env "${envs[@]}" "$RUN" --timeout "${CNI_VM_TIMEOUT:-900}" -- node node_modules/vitest/vitest.mjs run --config vitest.vm.config.mts "$@"
  rc=$?
  set -e
  echo "vm tests ($name): $(( $(date +%s) - start )) s including boot" >&2
  # 125: the VM itself could not start (no qemu, no kernel): say so; a test failure or a hang fails
  if [ "$rc" = 125 ] && [ "${CNI_VM_REQUIRED:-0}" != 1 ]; then
    echo "vm tests ($name): SKIPPED: the VM runner could not boot a VM here (exit 125, its console tail is above)" >&2
    rc=0
  fi
  return "$rc"
}

# the emulated CPU cannot load the host-built V8 snapshot: the suites test the portable build directly
rc=0
boot "stock kernel" CNITS_E2E_DIR="$PWD/dist/portable" -- "$@" || rc=$?
old=${CNI_VM_OLD_CPU:-qemu64}
if [ $# = 0 ] && [ "$old" != none ]; then
  boot "shipped build on a $old CPU" CNI_VM_CPU="$old" CNITS_VM_CPU="$old" CNITS_VM_SUITE=cpu -- || { r=$?; [ "$rc" != 0 ] || rc=$r; }
fi
exit "$rc"
