// The suites that only a stock kernel can run (ipvlan, 802.1q, bridge VLAN
// filtering), run inside ../shared/vm/run by build/vm-test.sh (CNI_VM=1 there).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.vm.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
