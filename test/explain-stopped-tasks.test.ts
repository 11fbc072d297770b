// Every stopped-task fixture (briefing contract 5): fixtures/stopped-tasks/<category>[-<variant>].json is what
// `aws ecs describe-tasks` prints for a task stopped by that cause, and `ecs-triage explain < file` must
// give that category as the task's verdict, with advice and documentation.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, type Category } from '../src/types.js';
import { runCli } from './helpers/cli.js';

const DIR = path.resolve('fixtures/stopped-tasks');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

function expectedCategory(file: string): Category {
  const name = file.replace(/\.json$/, '');
  // The longest category id the name starts with, followed by the end or a `-variant`.
  const cat = [...CATEGORIES].sort((a, b) => b.length - a.length).find((c) => name === c || name.startsWith(`${c}-`));
  if (!cat) throw new Error(`${file}: the name does not start with a category id`);
  return cat;
}

describe('fixtures/stopped-tasks', () => {
  it('holds describe-tasks output for each fixture, named by category', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const doc = JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as { tasks: Array<{ stoppedReason?: string; containers?: unknown[] }>; failures: unknown[] };
      expect(Array.isArray(doc.tasks) && doc.tasks.length > 0 && Array.isArray(doc.failures), f).toBe(true);
      expect(() => expectedCategory(f)).not.toThrow();
    }
  });

  it.each(files)('%s', async (file) => {
    const r = await runCli(['explain', '--format', 'json'], { input: readFileSync(path.join(DIR, file), 'utf8') });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tasks: Array<{ verdict: { category: string; ruleId: string } | null; items: Array<{ diagnosis: { ruleId: string; remediation: string[]; docs?: string[] } | null }> }> };
    const [task] = out.tasks;
    expect(task!.verdict?.category, JSON.stringify(task!.verdict)).toBe(expectedCategory(file));
    const d = task!.items.find((i) => i.diagnosis?.ruleId === task!.verdict!.ruleId)!.diagnosis!;
    expect(d.remediation.length).toBeGreaterThan(0);
    expect(d.docs?.length).toBeGreaterThan(0);
  });
});

describe('explain of describe-tasks: the container name goes through the redaction seam', () => {
  // ECS allows letters, digits, `_` and `-` in a container name: a GitHub token fits. It reaches the item labels
  // (`container NAME: reason`), their `container` field and the verdict's `from`, in text and in JSON.
  const token = 'ghp_Q7wERtyUI9opASdfGHjkL0zxCVbnM2qW';
  const input = JSON.stringify({
    tasks: [{
      taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/prod/0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a',
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: token, lastStatus: 'STOPPED', exitCode: 1, reason: 'CannotStartContainerError: something odd' }],
    }],
    failures: [],
  });
  it.each(['text', 'json'])('%s', async (format) => {
    const r = await runCli(['explain', '--format', format], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ghp_[REDACTED]');
    expect(r.stdout).not.toContain(token.slice(4));
  });
});

describe('explain of describe-tasks that describes no task', () => {
  // ECS forgets a stopped task after about an hour: describe-tasks then answers MISSING, or nothing at all.
  // Both were answered as a line no rule knows, with the advice to pipe describe-tasks into explain.
  it('MISSING says why and where the task is still known', async () => {
    const input = JSON.stringify({ tasks: [], failures: [{ arn: 'arn:aws:ecs:us-east-1:111122223333:task/prod/0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a', reason: 'MISSING' }] });
    const r = await runCli(['explain'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Not described by ECS: arn:aws:ecs:us-east-1:111122223333:task\/prod\/0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a: MISSING\n {2}ECS keeps a stopped task for about an hour/);
    expect(r.stdout).toMatch(/ecs-triage scan --task TASK_ID/);
    expect(r.stdout.split('\n').filter((l) => l.length > 80 && !l.startsWith('Not described'))).toEqual([]);
  });

  it('no task and no failure: says so, not "paste the whole task"', async () => {
    const input = '{\n  "tasks": [],\n  "failures": []\n}\n';
    const text = await runCli(['explain'], { input });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^describe-tasks returned no task and no failure/);
    expect(text.stdout).not.toMatch(/Not recognised|paste the whole task/);
    const json = await runCli(['explain', '--format', 'json'], { input });
    expect(JSON.parse(json.stdout)).toEqual({ tasks: [], failures: [] });
  });
});
