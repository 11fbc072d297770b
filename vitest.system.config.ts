// `npm run test:system`: tests that boot containers with systemd 252 as PID 1 (test/system/README.md).
// One file at a time: each boots machines and the host has two cores.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/system/**/*.system.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    // Building a rootfs from Debian's archive takes minutes on a cold cache.
    hookTimeout: 900_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
