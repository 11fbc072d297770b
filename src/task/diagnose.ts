// Every text ECS recorded about a task — the stopped reason, each container's reason, the service's events around
// it — through the same rules as host lines, exactly as `explain` reads a pasted line, so both give the same titles,
// causes and remediation for the same text.
import type { RuleSet } from '../classify/ruleset.js';
import { parseLine } from '../formats/index.js';
import { FindingCollector } from '../report/collect.js';
import { redactedCut } from '../redacted.js';
import type { Finding, ReportFinding } from '../types.js';
import type { TaskRecord } from './record.js';

export interface EcsText {
  /** `stoppedReason`, `container api`, `service event`. */
  where: string;
  text: string;
  time?: string;
}

/** The one way a pasted or recorded text is classified: `explain` and `task` share it. */
export function classifyText(rules: RuleSet, text: string): Finding | undefined {
  return rules.classify(parseLine(text.trim(), { source: 'unknown' }));
}

export function ecsTexts(rec: TaskRecord): EcsText[] {
  const out: EcsText[] = [];
  const stopped = rec.times.stoppedAt ?? rec.times.stoppingAt;
  if (rec.stoppedReason) out.push({ where: 'stoppedReason', text: rec.stoppedReason, ...(stopped ? { time: stopped } : {}) });
  // A container reason that repeats the stopped reason (a pull failure, usually) is the same evidence once.
  for (const c of rec.containers) if (c.reason && c.reason !== rec.stoppedReason) out.push({ where: `container ${c.name}`, text: c.reason, ...(stopped ? { time: stopped } : {}) });
  for (const e of rec.service?.events ?? []) out.push({ where: `service ${rec.service!.name} event`, text: e.message, ...(e.createdAt ? { time: e.createdAt } : {}) });
  return out;
}

export interface Diagnosis {
  /** Causes found in ECS's texts, in the scan report's shape; the most telling first (see `primary`). */
  findings: ReportFinding[];
  /** Which text each rule matched, in the order ECS's texts were read. */
  matched: Array<{ where: string; ruleId: string; category: string; title: string }>;
  /** Failure texts no rule recognises (the stopped reason and container reasons; service events may be routine). */
  unrecognised: EcsText[];
  /** The finding for the first text that names a cause: the stopped reason, else a container reason, else an event. */
  primary?: ReportFinding;
}

export function diagnose(rules: RuleSet, rec: TaskRecord, texts: EcsText[] = ecsTexts(rec)): Diagnosis {
  const collector = new FindingCollector();
  const matched: Diagnosis['matched'] = [];
  const unrecognised: EcsText[] = [];
  let firstRule: string | undefined;
  let firstRank = -1;
  for (const t of texts) {
    const f = classifyText(rules, t.text);
    if (!f) {
      if (!t.where.startsWith('service')) unrecognised.push({ ...t, text: redactedCut(t.text, 2000, '…') });
      continue;
    }
    f.fields.taskArn ??= rec.arn;
    const container = t.where.startsWith('container ') ? t.where.slice('container '.length) : undefined;
    if (container) f.fields.container ??= container;
    f.origin = { file: `ecs:${t.where}` };
    if (t.time) f.time = Date.parse(t.time);
    collector.add(f);
    matched.push({ where: t.where, ruleId: f.ruleId, category: f.category, title: f.title });
    // The most severe cause wins; among equals, a named cause beats "the container exited" (which only says that
    // something ended it: a container's own reason, such as OutOfMemoryError, says what), then the earlier text
    // (stopped reason before containers before events). `explain` reads a describe-tasks record the same way.
    const rank = ['info', 'warn', 'error', 'critical'].indexOf(f.severity) * 2 + (f.category === 'container_exit' ? 0 : 1);
    if (rank > firstRank) {
      firstRank = rank;
      firstRule = f.ruleId;
    }
  }
  const findings = collector.findings();
  const primary = findings.find((f) => f.ruleId === firstRule);
  return { findings, matched, unrecognised, ...(primary ? { primary } : {}) };
}
