// The worker side of scan/parallel.ts: scan one byte range of one file and post findings in batches.
import { parentPort, workerData } from 'node:worker_threads';
import { compileRuleSet } from '../classify/load.js';
import { LiteralPrefilter } from '../classify/prefilter.js';
import { parseLine } from '../formats/index.js';
import { scanFile } from '../sources/file-scan.js';
import type { RangeTask, WireFinding, WorkerMessage } from './parallel.js';

const BATCH = 256;

export async function runScanWorker(): Promise<void> {
  const task = workerData as RangeTask;
  const port = parentPort!;
  const post = (m: WorkerMessage): void => port.postMessage(m);
  try {
    const rules = compileRuleSet(task.patterns);
    let batch: WireFinding[] = [];
    let matched = 0;
    const stats = await scanFile(
      task.file,
      new LiteralPrefilter(rules.literals),
      (c) => {
        const rec = parseLine(c.text, {
          source: task.source,
          ...(task.format ? { format: task.format } : {}),
          origin: { file: task.display, line: c.line, offset: c.offset },
        });
        if (task.since !== undefined && rec.time !== undefined && rec.time < task.since) return;
        const f = rules.classify(rec);
        if (!f) return;
        matched += 1;
        const { causes: _c, remediation: _r, alternatives: _a, ...wire } = f;
        batch.push(wire);
        if (batch.length >= BATCH) {
          post({ type: 'findings', findings: batch });
          batch = [];
        }
      },
      { start: task.start, end: task.end },
    );
    if (batch.length > 0) post({ type: 'findings', findings: batch });
    post({ type: 'done', stats, matched });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
}
