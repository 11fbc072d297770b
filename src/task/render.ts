// The `task` report as text: the task, what ECS said, the cause in plain words and whether it is confirmed, the
// checks (✔ pass, ✘ fail, ? unknown) with their evidence, the host timeline, and the fix.
import { redacted, redactedCut } from '../redacted.js';
import type { TaskReport } from './report.js';

const MARK = { pass: '✔', fail: '✘', unknown: '?' } as const;
const TEXT_CHARS = 600;

function hhmmss(iso: string | undefined): string | undefined {
  return iso?.replace(/^\d{4}-\d\d-\d\dT/, '').replace(/\.\d+Z$|Z$/, '');
}

export function renderTaskText(r: TaskReport): string {
  const l: string[] = [];
  const t = r.task;
  l.push(`ecs-triage task ${t.arn}  (${r.generatedAt})`);
  l.push(
    `Task: ${t.launchType ?? '?'} task in cluster ${t.cluster} (${t.region}), ${t.lastStatus ?? '?'}${t.desiredStatus && t.desiredStatus !== t.lastStatus ? ` (desired ${t.desiredStatus})` : ''}${t.stopCode ? `, stop code ${t.stopCode}` : ''}`,
  );
  const facts = [
    t.taskDefinition ? `task definition ${t.taskDefinition.split('/').pop()}` : undefined,
    t.networkMode ? `${t.networkMode} network mode` : undefined,
    t.cpu || t.memory ? `${t.cpu ?? '?'} CPU units, ${t.memory ?? '?'} MiB` : undefined,
    t.executionRole ? `execution role ${t.executionRole.split('/').pop()}` : undefined,
    t.service ? `service ${t.service}` : undefined,
    t.containerInstance ? `instance ${t.containerInstance}` : undefined,
  ].filter(Boolean);
  if (facts.length) l.push(`      ${facts.join(' · ')}`);
  const times = [
    t.times.createdAt ? `created ${t.times.createdAt}` : undefined,
    t.times.pullStartedAt ? `pull ${hhmmss(t.times.pullStartedAt)} → ${hhmmss(t.times.pullStoppedAt) ?? '?'}` : undefined,
    t.times.startedAt ? `started ${hhmmss(t.times.startedAt)}` : undefined,
    t.times.stoppedAt ? `stopped ${hhmmss(t.times.stoppedAt)}` : undefined,
  ].filter(Boolean);
  if (times.length) l.push(`      ${times.join(' · ')}`);
  l.push('');

  l.push('What ECS recorded:');
  if (t.stoppedReason) l.push(`  stopped reason: ${redactedCut(t.stoppedReason, TEXT_CHARS, '…')}`);
  for (const c of t.containers) {
    const reason = c.reason === undefined ? '' : c.reason === t.stoppedReason ? ': (the same as the stopped reason)' : `: ${redactedCut(c.reason, TEXT_CHARS, '…')}`;
    l.push(`  container ${c.name}${c.image ? ` (${c.image})` : ''}: ${c.lastStatus ?? ''}${c.exitCode !== undefined ? `, exit ${c.exitCode}` : ''}${reason}`);
  }
  const events = r.findings.filter((f) => f.example.file?.includes('service'));
  if (events.length) for (const f of events) l.push(`  ${f.example.file!.replace(/^ecs:/, '')}: ${redactedCut(f.example.text, TEXT_CHARS, '…')}`);
  if (!t.stoppedReason && t.containers.every((c) => !c.reason)) l.push('  no stopped reason (the task is not stopped, or ECS recorded none)');
  for (const u of r.unrecognised) l.push(`  (no rule recognises the ${u.where} text: the host's logs usually hold the detailed error)`);
  l.push('');

  const v = r.verdict;
  const tag = { confirmed: 'CONFIRMED', 'not-confirmed': 'NOT CONFIRMED', unverified: 'NOT VERIFIED', 'found-by-checks': 'FOUND BY THE CHECKS', unknown: 'UNKNOWN' }[v.status];
  const primary = r.findings.find((f) => f.ruleId === v.ruleId);
  l.push(`Cause${v.category ? ` (${v.category})` : ''}: ${v.title ?? 'not recognised'}  [${tag}]`);
  if (v.wrappedBy) l.push(`  ECS reported it as: ${v.wrappedBy.title} (${v.wrappedBy.category})`);
  l.push(`  ${v.summary}`);
  if (v.from === 'host') l.push('  (named by the host\'s logs: ECS\'s own texts did not name it)');
  l.push('');

  l.push(`Checks (${r.checksChosen}):`);
  if (r.checks.length === 0) l.push('  none ran');
  for (const c of r.checks) {
    l.push(`  ${MARK[c.status]} ${c.id}: ${c.detail}`);
    for (const e of c.evidence) l.push(`      · ${redactedCut(e, TEXT_CHARS, '…')}`);
  }
  l.push('');

  const h = r.host;
  if (h.joined && h.summary) {
    const s = h.summary;
    l.push(`Host ${h.instanceId} (scan --task, since ${h.since}): status ${s.status}, ${s.findings.length} cause(s)`);
    for (const f of s.findings) l.push(`  [${f.severity.toUpperCase()}] ${f.title} (${f.category}, ${f.count}×${f.lastSeen ? `, last ${f.lastSeen}` : ''})`);
    const tl = s.task;
    if (tl) {
      l.push(`  timeline (${tl.timeline.length} line${tl.timeline.length === 1 ? '' : 's'}${tl.omitted ? `, ${tl.omitted} more left out` : ''}; containers ${tl.containers.map((c) => c.slice(0, 12)).join(', ') || 'none'}):`);
      for (const e of tl.timeline) l.push(`    ${e.time ?? '(no time)'} ${e.source}${e.category ? ` [${e.category}]` : ''} ${redacted(e.text)}`);
    }
  } else {
    l.push(`Host${h.instanceId ? ` ${h.instanceId}` : ''}: not joined: ${h.reason ?? 'unknown'}`);
  }
  l.push('');

  // When a check names what is wrong, its fix is specific (role, repository, subnet); the rule's steps are generic.
  const specific = r.checks.filter((c) => c.status === 'fail').flatMap((c) => c.fix ?? []);
  const fixes = specific.length ? specific : (primary?.remediation ?? []);
  if (fixes.length) {
    l.push(specific.length ? 'Fix:' : 'Fix (the rule\'s steps; no check named the exact change):');
    [...new Set(fixes)].forEach((f, i) => l.push(`  ${i + 1}. ${f}`));
    l.push('');
  }
  if (primary?.causes.length) {
    l.push('Why this happens:');
    for (const c of primary.causes) l.push(`  - ${c}`);
    l.push('');
  }
  if (r.problems.length) {
    l.push(`Notes (${r.problems.length}):`);
    for (const p of r.problems) l.push(`  - ${p}`);
  }
  return l.join('\n').replace(/\n+$/, '') + '\n';
}
