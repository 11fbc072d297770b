import { defineConfig } from 'vitest/config';
// @ts-expect-error a build script in plain JavaScript, without type declarations
import { kernelDefine } from './scripts/wasm.mjs';

export default defineConfig(async () => ({
  // The byte search's WebAssembly, compiled from src/search/kernel.wat as the bundle build does.
  define: (await kernelDefine()) as Record<string, string>,
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn real daemons and servers; two cores are all we have.
    maxWorkers: 2,
  },
}));
