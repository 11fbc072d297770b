// The daemon's sources, built from the plan. A new kind of source is one more entry
// here, with its keys in src/config/keys.ts and its part of the plan in plan.ts; the core does not change.
import type { HostChecks } from './host-checks.js';
import { HostCheckSource } from './host-checks.js';
import { FileSources } from './file-sources.js';
import { JournalSources } from './journal-sources.js';
import { TaskSource } from './task-source.js';
import type { DaemonPlan } from './plan.js';
import type { DaemonSource } from './source.js';

export interface SourceDeps {
  /** The host checks; injected so the daemon does not load the checks module itself. */
  hostChecks?: HostChecks;
}

export function daemonSources(plan: DaemonPlan, deps: SourceDeps): DaemonSource[] {
  const sources: DaemonSource[] = [new FileSources(plan.files, plan.tail)];
  if (plan.journal) sources.push(new JournalSources(plan.journal));
  if (deps.hostChecks) sources.push(new HostCheckSource(deps.hostChecks, plan.checks));
  sources.push(new TaskSource(plan.tasks));
  return sources;
}
