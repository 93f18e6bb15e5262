// The suites that only a stock kernel can run (ipvlan, 802.1q, bridge VLAN
// filtering), run inside ../shared/vm/run by build/vm-test.sh (CNI_VM=1 there). Its second,
// short boot on an old emulated CPU runs only the shipped-build check (CNITS_VM_SUITE=cpu).
import { defineConfig } from 'vitest/config';

const cpuSuite = process.env['CNITS_VM_SUITE'] === 'cpu';

export default defineConfig({
  test: {
    include: [cpuSuite ? 'test/**/*.cpu.test.ts' : 'test/**/*.vm.test.ts'],
    // the shipped-build check runs only built executables: no generated sources (seconds under TCG)
    globalSetup: cpuSuite ? [] : ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
