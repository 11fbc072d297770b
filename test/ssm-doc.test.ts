// The SSM Command documents against the structure of schema 2.2 (facts sheet 4.4): required keys, parameter
// types, allowedPattern on every interpolated parameter (and that it keeps shell metacharacters out), action
// names, runCommand arrays; and that they are generated from the tested scripts.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

const FILES = ['ssm/ecs-triage-Install.json', 'ssm/ecs-triage-Scan.json', 'ssm/ecs-triage-Uninstall.json'];
const PARAM_TYPES = new Set(['String', 'StringList', 'StringMap', 'Boolean', 'Integer', 'MapList']);
const PARAM_KEYS = new Set(['type', 'description', 'default', 'allowedValues', 'allowedPattern', 'displayType', 'minItems', 'maxItems', 'minChars', 'maxChars']);
const ACTIONS = new Set(['aws:runShellScript', 'aws:runDocument', 'aws:downloadContent', 'aws:configurePackage']);
const STEP_KEYS = new Set(['action', 'name', 'precondition', 'inputs', 'onFailure', 'onSuccess', 'finallyStep']);
const SHELL_INPUTS = new Set(['runCommand', 'timeoutSeconds', 'workingDirectory']);
/** Values a parameter must never let through into a single-quoted shell assignment. */
const HOSTILE = ["a'b", '$(id)', '`id`', 'a;reboot', 'a b', 'a\nb', 'a\\b', '"x"', 'a|b', 'x>y'];
/** A valid value per parameter, to which each hostile string is appended. */
const SAMPLES: Record<string, string> = {
  BundleSource: 'https://example.com/releases/ecs-triage.mjs',
  NodeTarball: 's3://artifacts/node-v22.12.0-linux-x64.tar.xz',
  Version: '1.2.3',
  Sha256: 'a'.repeat(64),
};

type Doc = {
  schemaVersion: string;
  description: string;
  parameters?: Record<string, Record<string, unknown>>;
  mainSteps: Array<{ action: string; name: string; precondition?: unknown; inputs: Record<string, unknown> }>;
};

const load = (f: string): Doc => JSON.parse(readFileSync(f, 'utf8')) as Doc;

function references(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/\{\{\s*([A-Za-z0-9_:.-]+)\s*\}\}/g)].map((m) => m[1]!);
}

describe.each(FILES)('%s', (file) => {
  const doc = load(file);

  it('has the top-level structure of a schema 2.2 Command document', () => {
    expect(Object.keys(doc).sort()).toEqual(['description', 'mainSteps', 'parameters', 'schemaVersion'].filter((k) => k in doc).sort());
    expect(doc.schemaVersion).toBe('2.2');
    expect(typeof doc.description).toBe('string');
    expect(doc.description.length).toBeGreaterThan(10);
    expect(Array.isArray(doc.mainSteps)).toBe(true);
    expect(doc.mainSteps.length).toBeGreaterThan(0);
    // Document content is limited to 64 KB.
    expect(statSync(file).size).toBeLessThan(64 * 1024);
  });

  it('declares parameters with valid types, defaults inside their own constraints', () => {
    for (const [name, p] of Object.entries(doc.parameters ?? {})) {
      expect(name, name).toMatch(/^[A-Za-z0-9]+$/);
      expect(PARAM_TYPES.has(p.type as string), `${name}.type`).toBe(true);
      for (const k of Object.keys(p)) expect(PARAM_KEYS.has(k), `${name}.${k}`).toBe(true);
      expect(typeof p.description, `${name}.description`).toBe('string');
      if (p.type === 'String' && 'default' in p) expect(typeof p.default).toBe('string');
      if (p.type === 'StringList' && 'default' in p) expect(Array.isArray(p.default)).toBe(true);
      if (p.allowedPattern !== undefined) {
        const re = new RegExp(p.allowedPattern as string);
        if (typeof p.default === 'string') expect(re.test(p.default), `${name} default vs allowedPattern`).toBe(true);
        for (const v of (p.allowedValues as string[] | undefined) ?? []) expect(re.test(v), `${name} allowed value ${v}`).toBe(true);
      }
      if (p.allowedValues !== undefined && typeof p.default === 'string') {
        expect(p.allowedValues as string[]).toContain(p.default);
      }
    }
  });

  it('every {{ }} names a declared parameter, and each interpolated one has an allowedPattern that keeps shell metacharacters out', () => {
    const refs = references(doc.mainSteps);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const p = doc.parameters?.[ref];
      expect(p, `{{ ${ref} }} is declared`).toBeDefined();
      expect(typeof p!.allowedPattern, `${ref} has allowedPattern`).toBe('string');
      const re = new RegExp(p!.allowedPattern as string);
      expect(p!.allowedPattern as string).toMatch(/^\^.*\$$/);
      const sample = SAMPLES[ref] ?? (p!.default as string);
      expect(re.test(sample), `${ref} accepts ${sample}`).toBe(true);
      for (const bad of HOSTILE) {
        expect(re.test(bad), `${ref} rejects ${JSON.stringify(bad)}`).toBe(false);
        expect(re.test(sample + bad), `${ref} rejects ${JSON.stringify(sample + bad)}`).toBe(false);
      }
    }
    for (const name of Object.keys(doc.parameters ?? {})) expect(refs, `${name} is used`).toContain(name);
  });

  it('has steps with known actions, unique names and runShellScript inputs of the right shape', () => {
    const names = new Set<string>();
    for (const step of doc.mainSteps) {
      for (const k of Object.keys(step)) expect(STEP_KEYS.has(k), k).toBe(true);
      expect(ACTIONS.has(step.action)).toBe(true);
      expect(step.name).toMatch(/^[a-zA-Z0-9_.-]{1,128}$/);
      expect(names.has(step.name)).toBe(false);
      names.add(step.name);
      expect(step.precondition).toEqual({ StringEquals: ['platformType', 'Linux'] });
      if (step.action === 'aws:runShellScript') {
        for (const k of Object.keys(step.inputs)) expect(SHELL_INPUTS.has(k), k).toBe(true);
        const rc = step.inputs.runCommand as unknown[];
        expect(Array.isArray(rc)).toBe(true);
        expect(rc.length).toBeGreaterThan(3);
        for (const line of rc) expect(typeof line).toBe('string');
        expect(step.inputs.timeoutSeconds).toMatch(/^(?:[0-9]+|\{\{ [A-Za-z]+ \}\})$/);
        expect(step.inputs.workingDirectory).toBe('/');
      }
    }
  });

  it('runs a shell that parses (sh -n)', () => {
    const script = (doc.mainSteps[0]!.inputs.runCommand as string[]).join('\n');
    const r = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('generation', () => {
  it('the documents are up to date with ssm/scripts and systemd/ (node ssm/build-documents.mjs --check)', () => {
    const r = spawnSync(process.execPath, ['ssm/build-documents.mjs', '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the Install document carries the shipped unit files and config verbatim', () => {
    const rc = (load('ssm/ecs-triage-Install.json').mainSteps[0]!.inputs.runCommand as string[]).join('\n');
    for (const f of ['systemd/ecs-triage.service', 'systemd/al2/ecs-triage.service', 'systemd/config.yaml']) {
      expect(rc).toContain(readFileSync(f, 'utf8').trimEnd());
    }
  });

  it('scripts never exit with the codes the SSM agent treats specially (137, 194, 168, 169)', () => {
    for (const f of ['ssm/scripts/install.sh', 'ssm/scripts/scan.sh', 'ssm/scripts/uninstall.sh']) {
      const text = readFileSync(f, 'utf8');
      const codes = [...text.matchAll(/\b(?:exit|fail)\s+([0-9]+)/g)].map((m) => Number(m[1]));
      expect(codes.length).toBeGreaterThan(0);
      for (const c of codes) expect([137, 194, 168, 169], `${f} exit ${c}`).not.toContain(c);
    }
  });
});
