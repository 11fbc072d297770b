// Sink factory: names from the config or `--sink` → Sink instances. The CloudWatch sink (and with it the
// AWS SDK) is imported only when asked for, so the other sinks start fast.
import { fileSinkPath, type SinkName, type TriageConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { Sink } from '../types.js';
import { createFileSink } from './file.js';
import { createStdoutSink } from './stdout.js';

export interface SinkContext {
  log: Logger;
  stdout?: NodeJS.WritableStream;
}

export async function createSinks(names: readonly SinkName[], config: TriageConfig, ctx: SinkContext): Promise<Sink[]> {
  const sinks: Sink[] = [];
  try {
    for (const name of names) {
      switch (name) {
        case 'stdout':
          sinks.push(createStdoutSink(ctx.stdout));
          break;
        case 'file':
          sinks.push(
            await createFileSink({
              path: fileSinkPath(config),
              maxBytes: config.fileSink.maxBytes,
              maxFiles: config.fileSink.maxFiles,
              fsync: config.fileSink.fsync,
              log: ctx.log,
            }),
          );
          break;
        case 'cloudwatch': {
          const { createCloudWatchSink } = await import('./cloudwatch/index.js');
          sinks.push(await createCloudWatchSink({ config: config.cloudwatch, stateDir: config.stateDir, log: ctx.log, root: config.root }));
          break;
        }
      }
    }
  } catch (err) {
    await Promise.allSettled(sinks.map((s) => s.close()));
    throw err;
  }
  return sinks;
}
