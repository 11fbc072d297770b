// Compiles src/search/kernel.wat (the byte search's WebAssembly) with wabt, a dev dependency: at build time for
// the bundle (scripts/build.mjs) and for tests run from the TypeScript sources (vitest.config.ts). Returns the
// `define` entry that embeds it, as base64.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const KERNEL_WAT = path.join(root, 'src/search/kernel.wat');

export async function compileKernel() {
  const { default: initWabt } = await import('wabt');
  const wabt = await initWabt();
  const module = wabt.parseWat(KERNEL_WAT, await readFile(KERNEL_WAT, 'utf8'), { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** `define` for esbuild or vitest: the constant src/search/kernel.ts reads. */
export async function kernelDefine() {
  return { __SEARCH_KERNEL_WASM__: JSON.stringify((await compileKernel()).toString('base64')) };
}
