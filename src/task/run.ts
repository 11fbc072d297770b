// `task` end to end, for one task or the last stopped tasks of a service: read ECS's record, classify every text
// in it, run the checks that bear on what was found, join the host's own scan through SSM, and conclude.
import type { RuleSet } from '../classify/ruleset.js';
import type { AwsContext } from '../aws/settings.js';
import type { Logger } from '../log.js';
import type { Category } from '../types.js';
import { chooseFamilies, runChecks, type CheckResult, type VerifyContext } from '../verify/index.js';
import { createTaskClients, type TaskClients } from './clients.js';
import { diagnose, ecsTexts } from './diagnose.js';
import { joinHost, noHost, type HostJoin } from './host-join.js';
import { enrichTask, parseTaskRef, readServiceOnly, readTask, stoppedTasksOf, STOPPED_TASK_RETENTION, type TaskRecord } from './record.js';
import { buildReport, type TaskReport } from './report.js';
import { decide } from './verdict.js';

export interface TaskRunOptions {
  ctx: AwsContext;
  rules: RuleSet;
  log: Logger;
  /** One task (id or ARN), or a service's last stopped tasks. */
  task?: string;
  service?: string;
  cluster?: string;
  last: number;
  verify: boolean;
  host: boolean;
  /** Host scan window override (a duration). */
  since?: string;
  hostTimeoutSeconds: number;
  pollIntervalMs: number;
  now?: () => number;
}

export interface ServiceWithoutTasks {
  service: string;
  cluster: string;
  message: string;
  events: Array<{ createdAt?: string; message: string }>;
  findings: TaskReport['findings'];
}

export async function runTask(opts: TaskRunOptions): Promise<{ reports: TaskReport[]; empty?: ServiceWithoutTasks }> {
  const clients = await createTaskClients(opts.ctx);
  try {
    const memo = memoizer();
    if (opts.task) return { reports: [await explainOne(opts, clients, memo, opts.task, opts.cluster)] };
    const cluster = opts.cluster ?? 'default';
    const arns = await stoppedTasksOf(clients.ecs, cluster, opts.service!, opts.last);
    if (arns.length === 0) {
      // A service that cannot place or start tasks may have none to show: its events still say why.
      const svc = await readServiceOnly(clients.ecs, cluster, opts.service!);
      const rec: TaskRecord = { arn: '', id: '', cluster, region: opts.ctx.region, account: '', times: {}, containers: [], problems: [], ...(svc ? { service: svc } : {}) };
      const d = diagnose(opts.rules, rec, ecsTexts(rec));
      return {
        reports: [],
        empty: {
          service: opts.service!,
          cluster,
          message: `no stopped task of service ${opts.service} in cluster ${cluster} (ECS keeps stopped tasks for ${STOPPED_TASK_RETENTION})${svc ? '' : '; the service itself was not found'}`,
          events: svc?.events ?? [],
          findings: d.findings,
        },
      };
    }
    const reports: TaskReport[] = [];
    for (const arn of arns) reports.push(await explainOne(opts, clients, memo, arn, cluster));
    return { reports };
  } finally {
    clients.destroy();
  }
}

async function explainOne(opts: TaskRunOptions, clients: TaskClients, memo: VerifyContext['memo'], task: string, cluster: string | undefined): Promise<TaskReport> {
  const ref = parseTaskRef(task, cluster);
  const rec = await readTask(clients.ecs, ref, opts.ctx.region);
  await enrichTask(clients.ecs, rec);
  const texts = ecsTexts(rec);
  const d = diagnose(opts.rules, rec, texts);

  const hostPromise: Promise<HostJoin> = (async () => {
    const skip = noHost(rec, !opts.host);
    if (skip) return skip;
    return joinHost(await clients.ssm(rec.region), rec, { ...(opts.since ? { since: opts.since } : {}), executionTimeoutSeconds: opts.hostTimeoutSeconds, pollIntervalMs: opts.pollIntervalMs, ...(opts.now ? { now: opts.now() } : {}) }, opts.log);
  })();

  const categories: Category[] = [];
  for (const f of d.findings) {
    categories.push(f.category);
    if (f.secondary) categories.push(f.secondary.category);
  }
  if (d.primary) categories.unshift(d.primary.category);
  let checks: CheckResult[] = [];
  let chosen = 'not run (--no-verify)';
  if (opts.verify) {
    const { families, why } = chooseFamilies(categories);
    chosen = why;
    checks = await runChecks({ task: rec, clients, ecsTexts: texts.map((t) => t.text), categories, memo }, families);
  }
  const host = await hostPromise;
  const verdict = decide(d.primary, host.summary, checks);
  return buildReport(rec, d, checks, chosen, host, verdict, new Date(opts.now?.() ?? Date.now()));
}

function memoizer(): VerifyContext['memo'] {
  const cache = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    let p = cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      cache.set(key, p);
      // A failure is not remembered: the next task of a service asks again.
      p.catch(() => cache.delete(key));
    }
    return p;
  };
}
