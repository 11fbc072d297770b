// A scan worker thread: searches the pieces it takes and sends their candidate lines to the main thread, which
// classifies them (parallel.ts). The search is what costs per byte and what scales with cores; classifying the
// few lines it nominates is cheap where the rules and the warm code already are, and a worker without rules
// costs a few MB instead of a second copy of the rule set, its regexes and its compiled code.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { ByteSearch } from '../search/byte-search.js';
import { LiteralSearch } from '../search/literals.js';
import { scanFile, searchCapacity } from '../sources/file-scan.js';
import { keepYoungGenerationSmall } from './heap.js';
import { BATCH_CHARS, MAX_QUEUED_BATCHES, type LinesBatch, type PiecesTask, type WorkerMessage } from './range.js';

/**
 * Takes pieces until none is left. One byte search serves every piece (its grams chosen on the first). Blocks
 * while MAX_QUEUED_BATCHES batches wait on the main thread.
 */
export async function searchPieces(task: PiecesTask, post: (m: WorkerMessage) => void): Promise<void> {
  const next = new Int32Array(task.next);
  const queued = new Int32Array(task.queued);
  const search = new ByteSearch(new LiteralSearch(task.literals), searchCapacity());
  for (;;) {
    const index = Atomics.add(next, 0, 1);
    const start = index * task.pieceBytes;
    if (start >= task.size) return;
    let batch: LinesBatch = { index, texts: [], lines: [], offsets: [] };
    let chars = 0;
    const send = (): void => {
      if (batch.texts.length === 0) return;
      for (let n = Atomics.load(queued, 0); n >= MAX_QUEUED_BATCHES; n = Atomics.load(queued, 0)) Atomics.wait(queued, 0, n, 1000);
      Atomics.add(queued, 0, 1);
      post({ type: 'lines', ...batch });
      batch = { index, texts: [], lines: [], offsets: [] };
      chars = 0;
    };
    const end = Math.min(task.size, start + task.pieceBytes);
    const stats = await scanFile(
      task.file,
      search,
      (c) => {
        batch.texts.push(c.text);
        batch.lines.push(c.line);
        batch.offsets.push(c.offset);
        chars += c.text.length;
        if (chars >= BATCH_CHARS) send();
      },
      { start, end },
    );
    send();
    post({ type: 'piece', index, thread: threadId, stats });
  }
}

/** The worker thread's entry (scan/worker-entry.ts, bundled separately and started from a string). */
export async function runScanWorker(): Promise<void> {
  keepYoungGenerationSmall(); // this thread's start reset V8's flags
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  try {
    await searchPieces(workerData as PiecesTask, post);
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
}
