// The WebAssembly half of the byte search (kernel.wat), compiled at build time and embedded in the bundle as
// base64 (scripts/wasm.mjs, used by scripts/build.mjs and vitest.config.ts). Compiled here on first use:
// commands that never search bytes never pay for it.

declare const __SEARCH_KERNEL_WASM__: string | undefined;

/** What kernel.wat exports. */
export interface Kernel {
  configure(gramBytes: number): void;
  find(from: number, end: number, out: number, outEnd: number): number;
  count(from: number, end: number, byte: number): number;
  tally(from: number, end: number, counts: number): void;
}

/** The few WebAssembly names used here (TypeScript's lib for Node does not declare them). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const PAGE = 65536;
let compiled: object | undefined;

/** A fresh kernel over its own memory of `bytes` (rounded up to pages), which never grows. */
export function instantiateKernel(bytes: number): { kernel: Kernel; memory: ArrayBuffer } {
  if (!compiled) {
    if (typeof __SEARCH_KERNEL_WASM__ !== 'string') {
      throw new Error('the byte search kernel is missing: build with scripts/build.mjs (tests: vitest.config.ts defines it)');
    }
    compiled = new wasm.Module(Buffer.from(__SEARCH_KERNEL_WASM__, 'base64'));
  }
  const pages = Math.ceil(bytes / PAGE);
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const instance = new wasm.Instance(compiled, { env: { memory } });
  return { kernel: instance.exports as Kernel, memory: memory.buffer };
}
