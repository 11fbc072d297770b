// The single-file bundle as it is shipped to hosts: it runs alone (no node_modules, rules embedded), and it does
// not initialise the AWS SDK unless the command calls AWS — checked statically (esbuild's import graph) and at
// run time (which Node built-ins were loaded).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE } from './helpers/index.js';

interface Meta {
  inputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A directory far from the checkout, holding only the bundle. */
function loneCopy(): { dir: string; bundle: string } {
  const top = mkdtempSync(path.join(tmpdir(), 'ecs-triage-lone-'));
  temps.push(top);
  const dir = path.join(top, 'opt', 'ecs-triage');
  mkdirSync(dir, { recursive: true });
  copyFileSync(BUNDLE, path.join(dir, 'ecs-triage.mjs'));
  return { dir, bundle: path.join(dir, 'ecs-triage.mjs') };
}

/** Runs the bundle and reports which of the network built-ins the process loaded. */
function loadedBuiltins(bundle: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const probe = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nBUILTINS "+JSON.stringify(process.moduleLoadList.filter(m=>/^NativeModule (http2|https|http)$/.test(m)))+"\\n"))';
  const r = spawnSync(process.execPath, ['--import', probe, bundle, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  const line = r.stderr.split('\n').find((l) => l.startsWith('BUILTINS '));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, builtins: JSON.parse(line?.slice(9) ?? '[]') as string[] };
}

describe('dist/ecs-triage.mjs', () => {
  it('runs alone: no node_modules, the default rules embedded', () => {
    const { dir, bundle } = loneCopy();
    const v = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8', cwd: dir });
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    const host = path.join(dir, 'host');
    mkdirSync(path.join(host, 'var/log/ecs'), { recursive: true });
    writeFileSync(
      path.join(host, 'var/log/ecs/ecs-agent.log'),
      'level=error time=2026-11-23T09:20:31Z msg="Failed to pull image for container" task="4c3b2a1908f7e6d5c4b3a2918f7e6d5c" container="billing" image="123456789012.dkr.ecr.us-east-1.amazonaws.com/billing:v3.2.0" error="CannotPullContainerError: Error response from daemon: manifest for 123456789012.dkr.ecr.us-east-1.amazonaws.com/billing:v3.2.0 not found: manifest unknown: Requested image not found"\n',
    );
    const scan = spawnSync(process.execPath, [bundle, 'scan', '--root', host, '--format', 'summary', '--fail-on', 'never'], { encoding: 'utf8', cwd: dir });
    expect(scan.stderr).toBe('');
    const summary = JSON.parse(scan.stdout) as { findings: Array<{ category: string }> };
    expect(summary.findings.map((f) => f.category)).toContain('image_not_found');
  });

  it('does not load the SDK for --help, scan or fleet --help; does for fleet scan', () => {
    const { bundle } = loneCopy();
    const empty = mkdtempSync(path.join(tmpdir(), 'ecs-triage-empty-'));
    temps.push(empty);
    for (const args of [['--help'], ['fleet', 'scan', '--help'], ['scan', '--root', empty, '--format', 'summary']]) {
      const r = loadedBuiltins(bundle, args);
      // An empty root is a scan that could not look (exit 3); what matters here is that the SDK stays unloaded.
      expect(r.status, args.join(' ')).toBe(args[0] === 'scan' ? 3 : 0);
      // @smithy/node-http-handler loads http2 as soon as the SDK initialises.
      expect(r.builtins, args.join(' ')).not.toContain('NativeModule http2');
    }
    // Positive control: a fleet scan reaches for AWS (a closed port, so it fails fast) and the SDK is there.
    const fleet = loadedBuiltins(bundle, ['fleet', 'scan', '--cluster', 'prod', '--region', 'us-east-1'], {
      AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(fleet.stderr).toMatch(/ecs:ListContainerInstances: .*ECONNREFUSED/);
    expect(fleet.builtins).toContain('NativeModule http2');
  });

  it('reaches the AWS SDK from the entry point only through dynamic import()', () => {
    const meta = JSON.parse(readFileSync('dist/ecs-triage.meta.json', 'utf8')) as Meta;
    const seen = new Set<string>();
    const stack = ['src/bin.ts'];
    while (stack.length) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const imp of meta.inputs[file]?.imports ?? []) {
        if (imp.kind !== 'dynamic-import' && !imp.external) stack.push(imp.path);
      }
    }
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].filter((f) => /node_modules\/@(aws-sdk|smithy|aws-crypto)\//.test(f))).toEqual([]);
    // …and the SDK is in the bundle.
    expect(Object.keys(meta.inputs).some((f) => f.includes('node_modules/@aws-sdk/client-ssm/'))).toBe(true);
    expect(Object.keys(meta.inputs).some((f) => f.includes('node_modules/@aws-sdk/client-ecs/'))).toBe(true);
  });
});
