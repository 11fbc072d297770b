// The task timeline of `scan --task` as text, and inside the compact summary that SSM returns to `task`.
import { redacted } from '../redacted.js';
import { DEFAULT_WIDTH, MIN_WIDTH, wrap } from '../report/layout.js';
import type { ScanSummary, TaskTimeline } from '../types.js';

/** Timeline lines are cut to this in the summary: `task` shows them one per line. */
const SUMMARY_LINE_CHARS = 240;

/** Laid out at `width` like the rest of the text report (80 columns when not a terminal): log lines wrap under their time. */
export function renderTimelineText(t: TaskTimeline, width = DEFAULT_WIDTH): string {
  const w = Math.max(MIN_WIDTH, width);
  const out: string[] = [];
  const logged = t.timeline.filter((e) => e.source !== 'host-state').length;
  out.push(...wrap(`Timeline of task ${t.taskId} on this host (${logged} line${logged === 1 ? '' : 's'}):`, w, '', '  '));
  // The ARN on a line of its own: one unbreakable token, copied whole.
  if (t.taskArn) out.push(`  ${t.taskArn}`);
  out.push(
    ...wrap(
      t.containers.length
        ? `containers: ${t.containers.map((c) => c.slice(0, 12)).join(', ')} (learned from ${t.learnedFrom.join(', ')})`
        : 'containers: none found (the task never created one, or its containers were already removed)',
      w,
      '  ',
      '    ',
    ),
  );
  if (logged === 0) out.push(...wrap('no line on this host names the task or its containers: the task may have run on another instance, or before the logs kept here', w, '  ', '    '));
  for (const e of t.timeline) {
    const mark = e.ruleId ? ` [${e.category}]` : '';
    // The head is the wrap's prefix: its alignment spaces are kept (wrap would fold them as the text's).
    out.push(...wrap(e.text, w, `  ${e.time ?? '(no time)'.padEnd(24)} ${e.source.padEnd(10)}${mark} `, '      '));
  }
  if (t.omitted > 0) out.push(...wrap(`… ${t.omitted} more line(s) about the task left out (use --format json, or a shorter --since)`, w, '  ', '    '));
  return out.join('\n') + '\n';
}

/** Adds the timeline to a summary within its size budget: findings first, then the newest timeline lines. */
export function withTimeline(summary: ScanSummary, t: TaskTimeline, budget = 20_000): ScanSummary {
  let size = JSON.stringify(summary).length;
  const task: TaskTimeline = { ...t, timeline: [], omitted: t.omitted };
  size += JSON.stringify(task).length;
  const kept = [];
  // Newest first when cutting: the end of a failed task's life says most about why it ended.
  for (let i = t.timeline.length - 1; i >= 0; i--) {
    const e = t.timeline[i]!;
    const entry = { ...e, text: e.text.length > SUMMARY_LINE_CHARS ? redacted(e.text.slice(0, SUMMARY_LINE_CHARS - 1) + '…') : e.text };
    const add = JSON.stringify(entry).length + 1;
    if (size + add > budget) {
      task.omitted += i + 1;
      summary.truncated = true;
      break;
    }
    kept.push(entry);
    size += add;
  }
  task.timeline = kept.reverse();
  return { ...summary, task };
}
