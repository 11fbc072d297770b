// The npm package: what it packs, which install scripts it allows, and which libraries a user installs. The bundle
// (dist/ecs-triage.mjs) is self-contained, so what it bundles is a devDependency; a user's install needs nothing else.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Pkg {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
  files: string[];
  bin: Record<string, string>;
  repository?: { url: string };
  bugs?: { url: string };
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Pkg;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean; version?: string }> };

describe('package.json', () => {
  it('packs the bundle, the rules, the units, the documents, the queries and the policies; not the build metadata', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files.filter((f) => f.startsWith('dist/'))).toEqual(['dist/ecs-triage.mjs']);
    expect(files.some((f) => f.endsWith('.meta.json'))).toBe(false);
    for (const dir of ['patterns/', 'systemd/', 'ssm/', 'queries/', 'iam/']) expect(files.some((f) => f.startsWith(dir)), dir).toBe(true);
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
    expect(Object.values(pkg.bin)).toEqual(['dist/ecs-triage.mjs']);
  });

  it('every dependency with an install script has a decision in allowScripts', () => {
    const scripted = Object.entries(lock.packages)
      .filter(([where, p]) => where !== '' && p.hasInstallScript)
      .map(([where]) => where.replace(/^.*node_modules\//, ''));
    expect(scripted.length).toBeGreaterThan(0);
    for (const name of scripted) expect(pkg.allowScripts, name).toHaveProperty([name]);
    // esbuild's postinstall only swaps its CLI shim for the native binary; the build uses the JS API, which finds
    // the binary in the optional @esbuild/<platform> package, so the script is not needed.
    expect(pkg.allowScripts?.esbuild).toBe(false);
  });

  it('a user installs nothing the bundle already holds', () => {
    // The bundle imports no package at run time: everything is inside it.
    const meta = JSON.parse(readFileSync('dist/ecs-triage.meta.json', 'utf8')) as { inputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }> };
    const external = new Set(Object.values(meta.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path)));
    expect([...external].filter((p) => !/^(?:node:|process$|buffer$|stream$|string_decoder$|<define:)/.test(p))).toEqual([]);
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
    for (const d of ['commander', 'yaml', 'chokidar', 'split2', '@smithy/node-http-handler']) expect(pkg.devDependencies).toHaveProperty([d]);
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty(['@smithy/util-retry']);
  });

  it('says where the code and the issues are', () => {
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(pkg.bugs?.url).toMatch(/^https:\/\/.+\/issues$/);
  });
});
