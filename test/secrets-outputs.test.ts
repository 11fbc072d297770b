// No planted secret leaves through any output: the secrets corpus (test/secrets/corpus.ts) and secrets in the
// host's own configuration (ecs.config's engine auth data, a container's environment, a broken daemon.json)
// go through the real commands as separate processes (`scan` text/json/summary, `check`, `classify` text/json,
// `explain` text/json) and through the daemon (`watch` with the stdout, file and CloudWatch sinks at once, the
// CloudWatch spool on disk while the endpoint is down, every file of the state directory, `status` text/json,
// and the daemon's stderr at debug level), and what came later: `explain` of the JSON of describe-tasks,
// `scan --task` (a task's timeline), `task` against the AWS test servers (test/servers/, as test/task.test.ts),
// and remediation templates filled from a line that carries a secret. Each output's raw bytes are searched for every secret, its escaped,
// URL-encoded and base64 forms, and any 10 characters of its random part. The lines that rules match must
// also be shown (their markers found), so a clean output proves redaction, not that the line was left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadRuleSet } from '../src/classify/load.js';
import { parseLine } from '../src/formats/index.js';
import { FIXTURE_HOSTS, ready, REPO, runCli, sleep, startDaemon, tmp, waitFor } from './helpers/index.js';
import { CloudWatchLogsServer } from './servers/cloudwatch-logs.js';
import { testEnv } from './servers/cloudwatch-fixtures.js';
import { CORPUS, type CorpusLine, type Secret } from './secrets/corpus.js';
import { describeLeaks, LeakDetector } from './secrets/leaks.js';
import { ecrUri, scenario, startWorld, taskArn } from './task-world.js';

const HOST_SECRETS: Secret[] = [
  { kind: 'password', value: 'Hq7zR2mXv9!kT4wLp8NsQ', cores: ['Hq7zR2mXv9', 'kT4wLp8NsQ'] },
  { kind: 'aws-secret-access-key', value: 'pW3nQ8rT1vX6zB9dF2hJ5kM7oR0sU4wY6aC8eG1i', cores: ['pW3nQ8rT1vX6zB9dF2hJ5kM7oR0sU4wY6aC8eG1i'] },
  { kind: 'password', value: 'Zt5yU1iO3pA7sD9fG2hJ', cores: ['Zt5yU1iO3pA7sD9fG2hJ'] },
  { kind: 'github-token', value: 'ghp_Lm4Nq8Rs2Tv6Wx0Yz3Ab7Cd1Ef5Gh9Ij2Kl6', cores: ['Lm4Nq8Rs2Tv6Wx0Yz3Ab7Cd1Ef5Gh9Ij2Kl6'] },
  { kind: 'password', value: 'Xc3Vb6Nm9Qw2Er5Ty8Ui1', cores: ['Xc3Vb6Nm9Qw2Er5Ty8Ui1'] },
];

/**
 * Lines whose secret reaches a remediation template: an image reference written with credentials, with and
 * without a scheme. The agent logs the image as the task definition has it; `invalid-image-reference` quotes it
 * in its advice (`{image|…}`), and without a scheme the password is also the reference's `tag` field, which
 * holds no label of its own (only the line says it is a password).
 */
const TEMPLATE_SECRETS: Secret[] = [
  { kind: 'password', value: 'Qz7Wm2Xk9Lp4Rt8Vn3Bs', cores: ['Qz7Wm2Xk9Lp4Rt8Vn3Bs'] },
  { kind: 'password', value: 'Jd5Hf8Ka2Ls6Pq9Wr3Ty', cores: ['Jd5Hf8Ka2Ls6Pq9Wr3Ty'] },
];
const TEMPLATE_LINES: Array<{ line: string; marker: string }> = TEMPLATE_SECRETS.map((sec, i) => {
  const marker = `7e3a9c1b5d2f4e6a8b0c1d2e3f4a5b6${i}`;
  const image = i === 0 ? `https://acme:${sec.value}@registry.example.com/acme/app:1.4` : `acme:${sec.value}@registry.example.com/acme/app:1.4`;
  return { marker, line: `level=error time=2026-11-23T09:00:0${i}Z msg="Error pulling image" task="${marker}" container="app" image="${image}" error="invalid reference format"` };
});

const ALL_SECRETS: Secret[] = [...CORPUS.flatMap((l) => l.secrets), ...HOST_SECRETS, ...TEMPLATE_SECRETS];
const detector = new LeakDetector(ALL_SECRETS);

function expectClean(where: string, output: string | Buffer): void {
  const text = Buffer.isBuffer(output) ? output.toString('latin1') : output;
  expect(describeLeaks(where, detector.find(text))).toBe('');
}

/** A host root with the given corpus lines in the files their programs write, and secrets in its configuration. */
function makeRoot(dir: string, lines: readonly CorpusLine[]): string {
  const root = path.join(dir, 'root');
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  const of = (d: CorpusLine['destination']): string => lines.filter((l) => l.destination === d).map((l) => l.line + '\n').join('');
  write('var/log/ecs/ecs-agent.log', of('agent-log'));
  write('var/log/docker', of('docker-log'));
  write('journal/docker.json', of('journal-export'));
  write('var/log/ecs/ecs-init.log', '');
  write(
    'etc/ecs/ecs.config',
    `ECS_CLUSTER=prod\nECS_ENGINE_AUTH_TYPE=docker\nECS_ENGINE_AUTH_DATA={"https://index.docker.io/v1/":{"username":"acme","password":"${HOST_SECRETS[0]!.value}","email":"ops@example.com"}}\n`,
  );
  // Broken where a secret follows: V8's JSON error quotes the text after the unexpected token.
  write('etc/docker/daemon.json', `{"log-driver":"json-file","proxies":{"https-proxy":"http://proxy:${HOST_SECRETS[2]!.value}@10.0.0.5:3128"},"token":${HOST_SECRETS[3]!.value}}`);
  // A real recorded container, with secrets in its environment (config.v2.json holds Config.Env as docker run got it).
  const id = '5dde98c8e397b72b5bb9732837033d16633ad0909fc30188d705b1cb1271b24e';
  const from = path.join(FIXTURE_HOSTS, 'ecr-auth-denied/var/lib/docker/containers', id);
  const to = path.join(root, 'var/lib/docker/containers', id);
  cpSync(from, to, { recursive: true });
  const cfg = JSON.parse(readFileSync(path.join(to, 'config.v2.json'), 'utf8')) as { Config: { Env: string[] } };
  cfg.Config.Env = [...(cfg.Config.Env ?? []), `AWS_SECRET_ACCESS_KEY=${HOST_SECRETS[1]!.value}`, `DB_PASSWORD=${HOST_SECRETS[4]!.value}`];
  writeFileSync(path.join(to, 'config.v2.json'), JSON.stringify(cfg));
  return root;
}

/** Groups of lines with at most one line per rule: scan shows one line per rule, so each becomes the one shown. */
async function scanBatches(): Promise<CorpusLine[][]> {
  const rules = await loadRuleSet();
  const batches: Array<{ lines: CorpusLine[]; rules: Set<string> }> = [];
  for (const l of CORPUS) {
    if (l.destination === 'stdin') continue;
    const rule = l.matches ? rules.classify(parseLine(l.line, { source: l.source }))!.ruleId : undefined;
    let b = batches.find((x) => rule === undefined || !x.rules.has(rule));
    if (!b) batches.push((b = { lines: [], rules: new Set() }));
    b.lines.push(l);
    if (rule) b.rules.add(rule);
  }
  return batches.map((b) => b.lines);
}

let base: string;
beforeAll(() => {
  base = tmp('ecs-triage-secrets-');
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('no planted secret reaches an output', () => {
  it('scan (text, json, summary) and check (text, json)', async () => {
    const batches = await scanBatches();
    let shown = 0;
    for (const [i, lines] of batches.entries()) {
      const root = makeRoot(path.join(base, `scan-${i}`), lines);
      const formats = ['text', 'json', 'summary'];
      const runs = await Promise.all(formats.map((format) => runCli(['scan', '--root', root, '--format', format, '--fail-on', 'never'])));
      for (const [k, format] of formats.entries()) {
        const r = runs[k]!;
        expect(r.code, r.stderr).toBe(0);
        expectClean(`scan ${format} batch ${i} stdout`, r.stdout);
        expectClean(`scan ${format} batch ${i} stderr`, r.stderr);
        if (format === 'json') {
          const missing = lines.filter((l) => l.matches && !r.stdout.includes(l.marker)).map((l) => l.id);
          expect(missing, 'every matched line is the one shown for its rule').toEqual([]);
          shown += lines.filter((l) => l.matches).length;
          expect(r.stdout).toMatch(/REDACTED/);
        }
      }
      if (i === 0) {
        for (const format of ['text', 'json']) {
          const r = await runCli(['check', '--root', root, '--format', format]);
          expectClean(`check ${format} stdout`, r.stdout);
          expectClean(`check ${format} stderr`, r.stderr);
          expect(r.stdout, 'the container with secrets in its environment was read').toMatch(/1 container|5dde98c8e397/);
        }
      }
    }
    expect(shown).toBe(CORPUS.filter((l) => l.matches).length);
  }, 120_000);

  it('classify (text, json) and explain (text, json), every corpus line on standard input', async () => {
    const input = CORPUS.map((l) => l.line).join('\n') + '\n';
    const matched = CORPUS.filter((l) => l.matches).length;
    for (const format of ['text', 'json']) {
      const c = await runCli(['classify', '--format', format], { input });
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout.trim().split('\n')).toHaveLength(CORPUS.length);
      expectClean(`classify ${format} stdout`, c.stdout);
      expectClean(`classify ${format} stderr`, c.stderr);
      const e = await runCli(['explain', '--format', format], { input });
      expect(e.code, e.stderr).toBe(0);
      expectClean(`explain ${format} stdout`, e.stdout);
      expectClean(`explain ${format} stderr`, e.stderr);
      if (format === 'json') {
        const results = JSON.parse(e.stdout) as Array<{ diagnosis: unknown }>;
        expect(results).toHaveLength(CORPUS.length);
        expect(results.filter((r) => r.diagnosis).length).toBe(matched);
        const fields = (c.stdout.match(/"fields":\{[^}]/g) ?? []).length;
        expect(fields, 'classify --format json prints the fields of every match').toBe(matched);
      } else {
        expect(e.stdout.split('\n  category: ').length - 1).toBe(matched);
        expect(e.stdout.split('\n  from: ').length - 1).toBe(CORPUS.length);
      }
    }
  }, 60_000);

  it('explain of the JSON of describe-tasks (text, json): stopped reasons and container reasons carry the secrets', async () => {
    // One task per corpus line: its stopped reason, and the next line as its container's reason. The task's
    // container overrides hold more secrets in their environment (explain must not print what it does not read).
    const tasks = CORPUS.map((l, i) => ({
      taskArn: `arn:aws:ecs:us-east-1:111122223333:task/prod/${l.marker}`,
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/app:7',
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: l.line,
      containers: [{ name: 'app', image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1', lastStatus: 'STOPPED', reason: CORPUS[(i + 1) % CORPUS.length]!.line }],
      overrides: { containerOverrides: [{ name: 'app', environment: HOST_SECRETS.map((h, k) => ({ name: `SECRET_${k}`, value: h.value })) }] },
    }));
    const input = JSON.stringify({ tasks, failures: [{ arn: `arn:aws:ecs:us-east-1:111122223333:task/prod/ffff?token=${HOST_SECRETS[3]!.value}`, reason: 'MISSING' }] }, null, 2);
    for (const format of ['text', 'json']) {
      const e = await runCli(['explain', '--format', format], { input });
      expect(e.code, e.stderr).toBe(0);
      expectClean(`explain describe-tasks ${format} stdout`, e.stdout);
      expectClean(`explain describe-tasks ${format} stderr`, e.stderr);
      const shown = CORPUS.filter((l) => e.stdout.includes(l.marker)).length;
      expect(shown, 'every task is answered').toBe(CORPUS.length);
      if (format === 'json') {
        const doc = JSON.parse(e.stdout) as { tasks: Array<{ items: Array<{ diagnosis: unknown }> }> };
        expect(doc.tasks).toHaveLength(CORPUS.length);
        expect(doc.tasks.flatMap((t) => t.items).filter((i) => i.diagnosis).length).toBeGreaterThan(CORPUS.length / 2);
      }
    }
  }, 60_000);

  it('scan --task (text, json, summary): every line of the task in its timeline', async () => {
    // Every corpus line rewritten to name one task: the whole corpus is that task's timeline.
    const task = '0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a';
    const lines = CORPUS.filter((l) => l.destination !== 'stdin').map((l) => ({ ...l, line: l.line.split(l.marker).join(task) }));
    const root = makeRoot(path.join(base, 'scan-task'), lines);
    for (const format of ['text', 'json', 'summary']) {
      const r = await runCli(['scan', '--root', root, '--task', task, '--format', format, '--fail-on', 'never']);
      expect(r.code, r.stderr).toBe(0);
      expectClean(`scan --task ${format} stdout`, r.stdout);
      expectClean(`scan --task ${format} stderr`, r.stderr);
      if (format === 'json') {
        const t = (JSON.parse(r.stdout) as { task: { timeline: Array<{ source: string }> } }).task;
        expect(t.timeline.filter((e) => e.source !== 'host-state').length, 'the lines are in the timeline').toBeGreaterThanOrEqual(lines.length * 0.9);
        expect(r.stdout).toMatch(/REDACTED/);
      }
    }
  }, 60_000);

  it('task (json, text) against the AWS test servers: secrets in the stopped reason, container reasons, image and environment', async () => {
    const w = scenario('reference-incident', 'EC2');
    // Matched lines of different kinds, as the reasons ECS would report (the text of the error that stopped it).
    const kinds = new Set<string>();
    const picked = CORPUS.filter((l) => l.matches && l.destination !== 'journal-export' && !kinds.has(l.kind) && kinds.add(l.kind));
    const carried = picked.slice(0, 3);
    const others = picked.slice(3, 5);
    w.stoppedReason = carried[0]!.line;
    w.containers[0]!.reason = carried[1]!.line;
    w.containers[0]!.environment = HOST_SECRETS.map((h, k) => ({ name: `DB_PASSWORD_${k}`, value: h.value }));
    w.containers.push(
      { name: 'sidecar', image: `https://acme:${TEMPLATE_SECRETS[0]!.value}@registry.example.com/acme/sidecar:1.4`, reason: carried[2]!.line, exitCode: 1 },
      { name: 'proxy', image: ecrUri('api', 'v2.14.1'), reason: others[0]!.line },
      { name: 'logs', image: `acme:${TEMPLATE_SECRETS[1]!.value}@registry.example.com/acme/logs:2`, reason: others[1]!.line },
    );
    const world = await startWorld(w);
    try {
      for (const format of ['json', 'text']) {
        const r = await world.cli(['task', taskArn(), '--no-host', '--endpoint-url', world.front.endpoint, '--format', format]);
        expect(r.stdout.length, r.stderr).toBeGreaterThan(100);
        expectClean(`task ${format} stdout`, r.stdout);
        expectClean(`task ${format} stderr`, r.stderr);
        if (format === 'json') {
          const report = JSON.parse(r.stdout) as { task: { stoppedReason?: string }; findings: unknown[] };
          expect(report.task.stoppedReason, 'the stopped reason is shown, redacted').toMatch(/REDACTED/);
          expect(report.findings.length).toBeGreaterThan(0);
        }
      }
    } finally {
      await world.close();
    }
  }, 120_000);

  it('remediation templates filled from a line that carries a secret: scan, classify and explain', async () => {
    const input = TEMPLATE_LINES.map((t) => t.line).join('\n') + '\n';
    for (const format of ['text', 'json']) {
      const c = await runCli(['classify', '--format', format], { input });
      expect(c.stdout).toContain('invalid-image-reference');
      expectClean(`classify ${format} (templates)`, c.stdout + c.stderr);
      const e = await runCli(['explain', '--format', format], { input });
      expect(e.stdout).toMatch(/the line gave: (?:https:\/\/)?acme:\[REDACTED\]@registry\.example\.com\/acme\/app:1\.4/);
      expectClean(`explain ${format} (templates)`, e.stdout + e.stderr);
    }
    // scan shows one line per rule: one host per line.
    for (const [i, t] of TEMPLATE_LINES.entries()) {
      const dir = path.join(base, `templates-${i}`);
      const root = path.join(dir, 'root');
      mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
      writeFileSync(path.join(root, 'var/log/ecs/ecs-agent.log'), t.line + '\n');
      for (const format of ['text', 'json', 'summary']) {
        const r = await runCli(['scan', '--root', root, '--format', format, '--fail-on', 'never', '--no-checks']);
        expect(r.code, r.stderr).toBe(0);
        expectClean(`scan ${format} (template line ${i})`, r.stdout + r.stderr);
        if (format === 'json') expect(r.stdout).toMatch(/the line gave: (?:https:\/\/)?acme:\[REDACTED\]@registry/);
      }
    }
  }, 60_000);

  it('watch: stdout, file and CloudWatch sinks, the spool during an outage, the state directory, status and stderr', async () => {
    const server = new CloudWatchLogsServer();
    await server.start();
    try {
      const dir = path.join(base, 'watch');
      const lines = CORPUS.filter((l) => l.destination !== 'stdin');
      const root = makeRoot(dir, []);
      const state = path.join(dir, 'state');
      const bin = path.join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(path.join(bin, 'journalctl'), readFileSync(path.join(REPO, 'test/fake-journalctl')), { mode: 0o755 });
      const journalExport = path.join(dir, 'journal-export.json');
      writeFileSync(journalExport, '');
      const config = path.join(dir, 'config.yaml');
      writeFileSync(
        config,
        `sinks: [stdout, file, cloudwatch]
logLevel: debug
files:
  - { path: /var/log/ecs/ecs-agent.log, source: ecs-agent }
  - { path: /var/log/docker, source: dockerd }
journal:
  enabled: "on"
  restartMinMs: 100
checks:
  intervalMs: 1000
status:
  intervalMs: 200
cloudwatch:
  logGroup: /ecs-triage/secrets
  logStream: host-a
  endpoint: ${server.endpoint}
  region: eu-west-1
  flushIntervalMs: 200
`,
      );
      server.faults.outage = '503';
      const env = testEnv({ PATH: `${bin}:${process.env.PATH}`, FAKE_JOURNAL_EXPORT: journalExport });
      const d = startDaemon(['--config', config, '--root', root, '--state-dir', state, '--from-beginning'], env);
      try {
        await ready(d, state);
        const append = (rel: string, dest: CorpusLine['destination']): void =>
          writeFileSync(rel, lines.filter((l) => l.destination === dest).map((l) => l.line + '\n').join(''), { flag: 'a' });
        append(path.join(root, 'var/log/ecs/ecs-agent.log'), 'agent-log');
        writeFileSync(path.join(root, 'var/log/ecs/ecs-agent.log'), TEMPLATE_LINES.map((t) => t.line + '\n').join(''), { flag: 'a' });
        append(path.join(root, 'var/log/docker'), 'docker-log');
        append(journalExport, 'journal-export');
        const matched = [...lines.filter((l) => l.matches), ...TEMPLATE_LINES];
        const fileEvents = (): string => stateFiles(state).filter(([f]) => f.startsWith('events.jsonl')).map(([, b]) => b.toString()).join('');
        await waitFor('an event for every matched line in the file sink', () => {
          const text = fileEvents();
          return matched.every((l) => text.includes(l.marker));
        }, 30_000, d);

        // CloudWatch is down: the events wait in the spool, on disk.
        await waitFor('events spooled', () => stateFiles(state).some(([f, b]) => f.startsWith('cloudwatch-spool') && b.length > 1000), 10_000, d);
        for (const [f, b] of stateFiles(state)) expectClean(`state file ${f} (outage)`, b);
        for (const format of ['text', 'json']) {
          const st = await runCli(['status', '--state-dir', state, '--format', format], { env });
          expectClean(`status ${format} (outage)`, st.stdout + st.stderr);
        }

        server.faults.outage = false;
        const shipped = (): string => server.events('/ecs-triage/secrets').map((e) => e.message).join('\n');
        await waitFor('every event in CloudWatch', () => matched.every((l) => shipped().includes(l.marker)), 30_000, d);
        expectClean('CloudWatch events', shipped());
        for (const format of ['text', 'json']) {
          const st = await runCli(['status', '--state-dir', state, '--format', format], { env });
          expectClean(`status ${format}`, st.stdout + st.stderr);
        }
        await sleep(300);
      } finally {
        await d.stop();
      }
      expect(d.stdout().split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(lines.filter((l) => l.matches).length);
      expectClean('watch stdout', d.stdout());
      expectClean('watch stderr', d.stderr());
      expect(d.stderr()).toMatch(/"level":"debug"|level=debug|debug/i);
      for (const [f, b] of stateFiles(state)) expectClean(`state file ${f}`, b);
    } finally {
      await server.stop();
    }
  }, 120_000);
});

/** Every file under the state directory, with its bytes. */
function stateFiles(dir: string, prefix = ''): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    try {
      if (statSync(p).isDirectory()) out.push(...stateFiles(p, `${prefix}${n}/`));
      else out.push([`${prefix}${n}`, readFileSync(p)]);
    } catch {
      // removed while listing (a spool segment sent, a temp file renamed)
    }
  }
  return out;
}
