// Entry of the scan worker thread. scripts/build.mjs bundles it on its own (small: no CLI, no SDK, no YAML
// parser) and embeds the result in the main bundle, which starts it with `new Worker(source, { eval: true })`.
// It works only as a worker (its task comes in workerData): run any other way it does nothing.
import { isMainThread, parentPort } from 'node:worker_threads';
import { runScanWorker } from './search-worker.js';

if (!isMainThread && parentPort) void runScanWorker();
