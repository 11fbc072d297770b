// Events as JSON lines on stdout: under systemd the journal captures them. A write is accepted once the
// stream has taken it (its callback ran); a closed pipe makes writes fail, which the pipeline retries.
import type { Sink, SinkHealth, TriageEvent } from '../types.js';

export function createStdoutSink(stream: NodeJS.WritableStream = process.stdout): Sink {
  const health: SinkHealth = { ok: true, delivered: 0, failed: 0, pending: 0 };
  let broken: Error | undefined;
  stream.on('error', (err: Error) => {
    broken = err;
    health.ok = false;
    health.lastError = err.message;
  });
  return {
    name: 'stdout',
    write(events: readonly TriageEvent[]): Promise<void> {
      if (events.length === 0) return Promise.resolve();
      if (broken) return Promise.reject(broken);
      let text = '';
      for (const ev of events) text += JSON.stringify(ev) + '\n';
      health.pending += events.length;
      return new Promise<void>((resolve, reject) => {
        stream.write(text, (err?: Error | null) => {
          health.pending -= events.length;
          if (err) {
            health.ok = false;
            health.failed += events.length;
            health.lastError = err.message;
            reject(err);
            return;
          }
          health.ok = true;
          health.delivered += events.length;
          health.lastSuccessAt = new Date().toISOString();
          resolve();
        });
      });
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
    health: () => ({ ...health }),
  };
}
