#!/usr/bin/env bash
# Runs the tests that need a stock kernel (ipvlan, 802.1q, bridge VLAN filtering:
# test/**/*.vm.test.ts) under ../shared/vm/run: one VM boot for the whole suite.
# On the host these files skip, stating why. Without the VM runner this says so
# and exits 0 (the host run already reported them as skipped), 1 with CNI_VM_REQUIRED=1.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${CNI_VM_RUN:-$(cd .. && pwd)/shared/vm/run}
if [ ! -x "$RUN" ]; then
  echo "vm tests: SKIPPED: no VM runner at $RUN (set CNI_VM_RUN); the ipvlan/VLAN suites did not run" >&2
  [ "${CNI_VM_REQUIRED:-0}" = 1 ] && exit 1 || exit 0
fi
[ -x dist/portable/cnits ] || npm run build
# the emulated CPU cannot load the host-built V8 snapshot: use the portable build there
export CNITS_E2E_DIR=$PWD/dist/portable
start=$(date +%s)
# node directly, not npx/npm: each Node start costs ~1.3 s in the emulated guest
set +e
"$RUN" --timeout "${CNI_VM_TIMEOUT:-900}" -- node node_modules/vitest/vitest.mjs run --config vitest.vm.config.mts "$@"
rc=$?
set -e
echo "vm tests: $(( $(date +%s) - start )) s including boot" >&2
# 125: the VM itself could not start (no qemu, no kernel): say so; a test failure or a hang fails
if [ "$rc" = 125 ] && [ "${CNI_VM_REQUIRED:-0}" != 1 ]; then
  echo "vm tests: SKIPPED: the VM runner could not boot a VM here (exit 125, its console tail is above)" >&2
  exit 0
fi
exit "$rc"
