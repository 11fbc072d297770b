// Entry of the scan worker thread. scripts/build.mjs bundles it on its own (small: no CLI, no SDK, no YAML
// parser) and embeds the result in the main bundle, which starts it with `new Worker(source, { eval: true })`.
import { runScanWorker } from './worker.js';

void runScanWorker();
