// Sink factory: the sink names of the configuration → Sink instances, each given its resolved settings.
// The CloudWatch sink (and with it the AWS SDK) is imported only when asked for, so the other sinks start fast.
import type { SinkName } from '../config.js';
import type { Logger } from '../log.js';
import type { Sink } from '../types.js';
import type { CloudWatchSettings } from './cloudwatch/options.js';
import { createFileSink } from './file.js';
import { createStdoutSink } from './stdout.js';

/** The sinks to open and their resolved settings (from the configuration, see src/daemon/plan.ts). */
export interface SinkPlan {
  names: readonly SinkName[];
  stateDir: string;
  root: string;
  file: { path: string; maxBytes: number; maxFiles: number; fsync: boolean };
  cloudwatch: CloudWatchSettings;
}

export interface SinkContext {
  log: Logger;
  stdout?: NodeJS.WritableStream;
}

export async function createSinks(plan: SinkPlan, ctx: SinkContext): Promise<Sink[]> {
  const sinks: Sink[] = [];
  try {
    for (const name of plan.names) {
      switch (name) {
        case 'stdout':
          sinks.push(createStdoutSink(ctx.stdout));
          break;
        case 'file':
          sinks.push(await createFileSink({ ...plan.file, log: ctx.log }));
          break;
        case 'cloudwatch': {
          const { createCloudWatchSink } = await import('./cloudwatch/index.js');
          sinks.push(await createCloudWatchSink({ config: plan.cloudwatch, stateDir: plan.stateDir, log: ctx.log, root: plan.root }));
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
