// The shell the SSM documents run, executed as the agent would (`sh -c` of the interpolated runCommand) against a
// temporary root, with systemctl, dnf/yum, curl and aws replaced by test doubles on PATH and no Node.js unless
// the package-manager double installs it. The bundle installed is the real dist/ecs-triage.mjs.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE } from './helpers/index.js';
import { spawnSync } from 'node:child_process';
import { makeSandbox, removeSandboxes, type Sandbox } from './doubles/sandbox.js';
import { compileDocument } from './servers/ssm.js';

afterAll(removeSandboxes);
const bundleText = (): string => readFileSync(BUNDLE, 'utf8');
const VERSION = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
const docs = {
  'ecs-triage-Install': JSON.parse(readFileSync('ssm/ecs-triage-Install.json', 'utf8')),
  'ecs-triage-Scan': JSON.parse(readFileSync('ssm/ecs-triage-Scan.json', 'utf8')),
  'ecs-triage-Uninstall': JSON.parse(readFileSync('ssm/ecs-triage-Uninstall.json', 'utf8')),
};

/** What the agent would run for this document and these parameters (validated like SSM does). */
function runDoc(sb: Sandbox, name: keyof typeof docs, params: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]]));
  const { script } = compileDocument(name, p, docs);
  return sb.run(script, env);
}

/** Publishes a bundle at https://releases.example.com/<name> and s3://artifacts/<name>. */
function publish(sb: Sandbox, name: string, text: string): void {
  for (const dir of [path.join(sb.httpRoot, 'releases.example.com'), path.join(sb.s3Root, 'artifacts')]) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

/** The real bundle reporting another version (the build inlines the version as `VERSION = "x.y.z"`). */
function withVersion(v: string): string {
  const text = bundleText();
  const out = text.replace(/(\bVERSION\s*=\s*(?:true\s*\?\s*)?)"[0-9][^"]*"/, `$1"${v}"`);
  if (out === text) throw new Error('cannot find the version string in the bundle');
  return out;
}
const sha256 = (t: string): string => createHash('sha256').update(t).digest('hex');

// Every Install runs the real bundle four times (--version, --help, validate, status): slow on a busy machine.
describe('ecs-triage-Install', { timeout: 120_000 }, () => {
  it('installs Node.js from the OS packages, the bundle, config and unit, then enables and starts the service', () => {
    const sb = makeSandbox({ packages: 'nodejs20=node-20' });
    publish(sb, 'ecs-triage.mjs', bundleText());
    const r = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs', Sha256: sha256(bundleText()) });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`ecs-triage ${VERSION}: service restarted`);
    // nodejs22 is not in this "repository"; nodejs20 is.
    expect(sb.calls().filter((c) => c.startsWith('dnf'))).toEqual(['dnf install -y -q nodejs22', 'dnf install -y -q nodejs20']);
    expect(readlinkSync(path.join(sb.root, 'opt/ecs-triage/current'))).toBe(`versions/${VERSION}`);
    expect(readFileSync(path.join(sb.root, 'etc/ecs-triage/config.yaml'), 'utf8')).toBe(readFileSync('systemd/config.yaml', 'utf8'));
    expect(readFileSync(path.join(sb.root, 'etc/systemd/system/ecs-triage.service'), 'utf8')).toBe(readFileSync('systemd/ecs-triage.service', 'utf8'));
    expect(existsSync(path.join(sb.root, 'var/lib/ecs-triage'))).toBe(true);
    const calls = sb.calls().filter((c) => c.startsWith('systemctl'));
    expect(calls).toContain('systemctl daemon-reload');
    expect(calls).toContain('systemctl enable ecs-triage.service');
    expect(calls).toContain('systemctl restart ecs-triage.service');
    // The payload directory written by the document is cleaned up.
    expect(readdirSync(path.join(sb.dir, 'tmp'))).toEqual([]);

    // The installed command runs with no node on PATH and no node_modules anywhere near it.
    const v = spawnSync(path.join(sb.root, 'usr/local/bin/ecs-triage'), ['--version'], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(v.stdout.trim()).toBe(VERSION);
    mkdirSync(path.join(sb.dir, 'empty-host'));
    const scan = spawnSync(path.join(sb.root, 'usr/local/bin/ecs-triage'), ['scan', '--root', path.join(sb.dir, 'empty-host'), '--format', 'summary'], {
      env: { PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    expect(JSON.parse(scan.stdout).schema).toBe('ecs-triage/scan-summary');
  });

  it('is idempotent: the same version again changes nothing and does not restart the service', () => {
    const sb = makeSandbox({ withNode: true });
    publish(sb, 'ecs-triage.mjs', bundleText());
    expect(runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs' }).status).toBe(0);
    const before = sb.calls().length;
    const again = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs', Version: VERSION });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`version ${VERSION} is already in place`);
    expect(again.stdout).toContain('service already running, unchanged');
    const later = sb.calls().slice(before);
    expect(later.some((c) => /restart|daemon-reload/.test(c))).toBe(false);
    // Node.js was already there: the package manager was never asked.
    expect(sb.calls().some((c) => c.startsWith('dnf') || c.startsWith('yum'))).toBe(false);
  });

  it('upgrades from S3: switches to the new version, keeps the previous one and the edited config, restarts', () => {
    const sb = makeSandbox({ withNode: true });
    publish(sb, 'v1/ecs-triage.mjs', withVersion('1.0.0'));
    publish(sb, 'v2/ecs-triage.mjs', withVersion('1.1.0'));
    publish(sb, 'v3/ecs-triage.mjs', withVersion('1.2.0'));
    expect(runDoc(sb, 'ecs-triage-Install', { BundleSource: 's3://artifacts/v1/ecs-triage.mjs', Version: '1.0.0' }).status).toBe(0);
    const cfg = path.join(sb.root, 'etc/ecs-triage/config.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8') + '# edited by the operator\n');
    expect(runDoc(sb, 'ecs-triage-Install', { BundleSource: 's3://artifacts/v2/ecs-triage.mjs', Version: '1.1.0' }).status).toBe(0);
    const r = runDoc(sb, 'ecs-triage-Install', { BundleSource: 's3://artifacts/v3/ecs-triage.mjs', Version: '1.2.0' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('switched versions/1.1.0 -> versions/1.2.0');
    expect(r.stdout).toContain('kept the existing');
    expect(readFileSync(cfg, 'utf8')).toContain('# edited by the operator');
    expect(readdirSync(path.join(sb.root, 'opt/ecs-triage/versions')).sort()).toEqual(['1.1.0', '1.2.0']);
    expect(sb.calls().filter((c) => c === 'systemctl restart ecs-triage.service')).toHaveLength(3);
    expect(sb.calls().some((c) => c.startsWith('aws s3 cp --only-show-errors s3://artifacts/v3/ecs-triage.mjs '))).toBe(true);
    const v = spawnSync(path.join(sb.root, 'usr/local/bin/ecs-triage'), ['--version'], { encoding: 'utf8' });
    expect(v.stdout.trim()).toBe('1.2.0');
  });

  it('installing the same version again keeps the version to roll back to', () => {
    const sb = makeSandbox({ withNode: true });
    publish(sb, 'v1/ecs-triage.mjs', withVersion('1.0.0'));
    publish(sb, 'v2/ecs-triage.mjs', withVersion('1.1.0'));
    expect(runDoc(sb, 'ecs-triage-Install', { BundleSource: 's3://artifacts/v1/ecs-triage.mjs', Version: '1.0.0' }).status).toBe(0);
    expect(runDoc(sb, 'ecs-triage-Install', { BundleSource: 's3://artifacts/v2/ecs-triage.mjs', Version: '1.1.0' }).status).toBe(0);
    const opt = path.join(sb.root, 'opt/ecs-triage');
    expect(readlinkSync(path.join(opt, 'previous'))).toBe('versions/1.0.0');
    for (let i = 0; i < 2; i++) {
      const again = runDoc(sb, 'ecs-triage-Install', { BundleSource: 's3://artifacts/v2/ecs-triage.mjs', Version: '1.1.0' });
      expect(again.status).toBe(0);
      expect(again.stdout).toContain('version 1.1.0 is already in place');
    }
    expect(readdirSync(path.join(opt, 'versions')).sort()).toEqual(['1.0.0', '1.1.0']);
    expect(readlinkSync(path.join(opt, 'current'))).toBe('versions/1.1.0');
    expect(readlinkSync(path.join(opt, 'previous'))).toBe('versions/1.0.0');
    // Rolling back is installing the previous version: the two swap, nothing is deleted.
    expect(runDoc(sb, 'ecs-triage-Install', { BundleSource: 's3://artifacts/v1/ecs-triage.mjs', Version: '1.0.0' }).status).toBe(0);
    expect(readdirSync(path.join(opt, 'versions')).sort()).toEqual(['1.0.0', '1.1.0']);
    expect(readlinkSync(path.join(opt, 'previous'))).toBe('versions/1.1.0');
  }, 90_000);

  it('fails (14) with the daemon\'s own error when the service dies after starting, on systemd 252 and 219', () => {
    for (const systemdVersion of ['252', '219']) {
      const sb = makeSandbox({ withNode: true, systemdVersion });
      publish(sb, 'ecs-triage.mjs', bundleText());
      const said = 'ecs-triage: no AWS Region: set cloudwatch.region in the config or AWS_REGION';
      const r = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs' }, {
        DOUBLES_CRASH_AFTER_START: '1',
        ECS_TRIAGE_SETTLE_SECONDS: '3',
        DOUBLES_JOURNAL: `${said}\n${said}`,
      });
      expect(r.status, systemdVersion).toBe(14);
      expect(r.stdout).not.toMatch(/service (re)?started/);
      expect(r.stderr).toContain('did not stay up (now activating/auto-restart)');
      // The message once, though the daemon said it at every restart.
      expect(r.stderr.split(said)).toHaveLength(2);
      expect(sb.calls()).toContain('systemctl reset-failed ecs-triage.service');
      expect(sb.calls().some((c) => /^journalctl -u ecs-triage.service --since .* -t ecs-triage -p err/.test(c))).toBe(true);
    }
  }, 60_000);

  it('fails (15) when the service runs but its status reports a problem, quoting it', () => {
    const sb = makeSandbox({ withNode: true });
    publish(sb, 'ecs-triage.mjs', bundleText());
    const r = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs' }, {
      DOUBLES_SINK_ERROR: 'AccessDeniedException: not authorized to perform logs:PutLogEvents',
    });
    expect(r.status).toBe(15);
    expect(r.stderr).toContain('runs but reports problems');
    expect(r.stderr).toContain('sink cloudwatch: AccessDeniedException: not authorized to perform logs:PutLogEvents');
  });

  it('on Amazon Linux 2 (systemd 219) installs the AL2 unit variant', () => {
    const sb = makeSandbox({ withNode: true, systemdVersion: '219' });
    publish(sb, 'ecs-triage.mjs', bundleText());
    expect(runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs' }).status).toBe(0);
    expect(readFileSync(path.join(sb.root, 'etc/systemd/system/ecs-triage.service'), 'utf8')).toBe(readFileSync('systemd/al2/ecs-triage.service', 'utf8'));
  });

  it('on Amazon Linux 2 with no Node.js package, unpacks the NodeTarball once and runs the service with it', () => {
    const sb = makeSandbox({ packages: '', systemdVersion: '219' });
    publish(sb, 'ecs-triage.mjs', bundleText());
    // A Node.js distribution laid out like the official ones: node-vX-linux-x64/bin/node.
    const dist = path.join(sb.dir, 'nodedist', 'node-v20.20.2-linux-x64', 'bin');
    mkdirSync(dist, { recursive: true });
    symlinkSync(process.execPath, path.join(dist, 'node'));
    mkdirSync(path.join(sb.s3Root, 'artifacts'), { recursive: true });
    const tgz = path.join(sb.s3Root, 'artifacts', 'node-v20.20.2-linux-x64.tar.gz');
    expect(spawnSync('tar', ['-czf', tgz, '-C', path.join(sb.dir, 'nodedist'), 'node-v20.20.2-linux-x64']).status).toBe(0);
    const params = { BundleSource: 'https://releases.example.com/ecs-triage.mjs', NodeTarball: 's3://artifacts/node-v20.20.2-linux-x64.tar.gz' };
    const r = runDoc(sb, 'ecs-triage-Install', params);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const node = path.join(sb.root, 'opt/ecs-triage/node/bin/node');
    expect(r.stdout).toContain(`using Node.js ${process.version} at ${node}`);
    expect(readFileSync(path.join(sb.root, 'usr/local/bin/ecs-triage'), 'utf8')).toContain(`exec '${node}'`);
    // yum was never needed, and a second run reuses the unpacked Node.js.
    expect(sb.calls().some((c) => c.startsWith('yum') || c.startsWith('dnf'))).toBe(false);
    expect(runDoc(sb, 'ecs-triage-Install', params).status).toBe(0);
    expect(sb.calls().filter((c) => c.includes('node-v20.20.2-linux-x64.tar.gz'))).toHaveLength(1);
  });

  it('rejects a NodeTarball whose node does not run here (11)', () => {
    const sb = makeSandbox({ packages: '' });
    publish(sb, 'ecs-triage.mjs', bundleText());
    const dist = path.join(sb.dir, 'nodedist', 'node-v20.20.2-linux-x64', 'bin');
    mkdirSync(dist, { recursive: true });
    // What a glibc-2.28 build does on Amazon Linux 2: it cannot start.
    writeFileSync(path.join(dist, 'node'), '#!/bin/sh\necho "node: /lib64/libc.so.6: version GLIBC_2.28 not found" >&2\nexit 1\n');
    chmodSync(path.join(dist, 'node'), 0o755);
    const tgz = path.join(sb.httpRoot, 'releases.example.com', 'node.tar.gz');
    expect(spawnSync('tar', ['-czf', tgz, '-C', path.join(sb.dir, 'nodedist'), 'node-v20.20.2-linux-x64']).status).toBe(0);
    const r = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs', NodeTarball: 'https://releases.example.com/node.tar.gz' });
    expect(r.status).toBe(11);
    expect(r.stderr).toMatch(/does not run here or is older than 20.19/);
    expect(existsSync(path.join(sb.root, 'usr/local/bin/ecs-triage'))).toBe(false);
  });

  it('refuses a bundle whose checksum or version is wrong, installing nothing', () => {
    const sb = makeSandbox({ withNode: true });
    publish(sb, 'ecs-triage.mjs', bundleText());
    const bad = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs', Sha256: 'b'.repeat(64) });
    expect(bad.status).toBe(13);
    expect(bad.stderr).toMatch(/SHA-256 mismatch/);
    const wrong = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs', Version: '9.9.9' });
    expect(wrong.status).toBe(13);
    expect(wrong.stderr).toContain(`the bundle is version ${VERSION}, expected 9.9.9`);
    expect(existsSync(path.join(sb.root, 'opt/ecs-triage'))).toBe(false);
    expect(sb.calls().some((c) => c.startsWith('systemctl'))).toBe(false);
  });

  it('reports a failed download (12), no Node.js available (11) and a service that does not start (14)', () => {
    const sb = makeSandbox({ withNode: true });
    const missing = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/nope.mjs' });
    expect(missing.status).toBe(12);
    expect(missing.stderr).toMatch(/download of https:\/\/releases.example.com\/nope.mjs failed/);

    const noNode = makeSandbox({ packages: '' });
    publish(noNode, 'ecs-triage.mjs', bundleText());
    const r = runDoc(noNode, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs' });
    expect(r.status).toBe(11);
    expect(r.stderr).toMatch(/no Node.js >= 20.19/);

    publish(sb, 'ecs-triage.mjs', bundleText());
    const down = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs' }, { DOUBLES_FAIL_START: '1' });
    expect(down.status).toBe(14);
    expect(down.stderr).toMatch(/journalctl -u ecs-triage/);
  });

  it('SSM rejects parameters that could break out of the shell before anything runs', () => {
    const sb = makeSandbox({ withNode: true });
    expect(() => runDoc(sb, 'ecs-triage-Install', { BundleSource: "https://x.example.com/a'$(reboot)'" })).toThrow(/does not match/);
    expect(() => runDoc(sb, 'ecs-triage-Install', { BundleSource: 'file:///etc/passwd' })).toThrow(/does not match/);
  });

  it('StartService=false installs without enabling or starting', () => {
    const sb = makeSandbox({ withNode: true });
    publish(sb, 'ecs-triage.mjs', bundleText());
    const r = runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs', StartService: 'false' });
    expect(r.status).toBe(0);
    expect(sb.calls().some((c) => /enable|start/.test(c))).toBe(false);
  });
});

describe('ecs-triage-Scan', () => {
  function installed(exitWith?: number, output = ''): Sandbox {
    const sb = makeSandbox({ withNode: true });
    const bin = path.join(sb.root, 'usr/local/bin');
    mkdirSync(bin, { recursive: true });
    const host = path.join(sb.dir, 'host');
    mkdirSync(path.join(host, 'var/log/ecs'), { recursive: true });
    // An ECS host: a scan that finds no agent log is `unknown` and exits 3.
    writeFileSync(path.join(host, 'var/log/ecs/ecs-agent.log'), 'level=info time=2026-11-23T09:00:00Z msg="Amazon ECS agent Version: 1.89.2, Commit: 5d2bc1f2"\n');
    const body =
      exitWith === undefined
        ? `sub="$1"; shift; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BUNDLE)} "$sub" --root ${JSON.stringify(host)} "$@"`
        : `echo ${JSON.stringify(output)}; echo "$*" >${JSON.stringify(path.join(sb.dir, 'args'))}; exit ${exitWith}`;
    // The stand-in keeps the subcommand first and puts --root right after it.
    writeFileSync(path.join(bin, 'ecs-triage'), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, 'ecs-triage'), 0o755);
    return sb;
  }

  it('prints the compact summary with Format=summary and exits 0', () => {
    const sb = installed();
    const r = runDoc(sb, 'ecs-triage-Scan', { Format: 'summary', Since: '1h' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim()).schema).toBe('ecs-triage/scan-summary');
    expect(existsSync(path.join(sb.root, 'var/lib/ecs-triage/reports/last-scan.json'))).toBe(true);
  });

  it('passes Since, Format and FailOn through', () => {
    const sb = installed(0, 'report');
    expect(runDoc(sb, 'ecs-triage-Scan', { Since: '30m', Format: 'json', FailOn: 'warn' }).status).toBe(0);
    expect(readFileSync(path.join(sb.dir, 'args'), 'utf8').trim()).toBe('scan --since 30m --format json --fail-on warn');
  });

  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [137, 3],
    [194, 3],
    [168, 3],
    [169, 3],
    [134, 3],
  ])('maps scan exit %i to %i so SSM never sees 137 or 194', (code, expected) => {
    const r = runDoc(installed(code, 'x'), 'ecs-triage-Scan', {});
    expect(r.status).toBe(expected);
    if (expected === 3) expect(r.stderr).toContain(`ended abnormally (exit ${code})`);
  });

  it('streams the whole report, never cutting it (the tool keeps it within the console\'s limit), and keeps a copy', () => {
    const report = 'y'.repeat(30_000);
    const sb = installed(0, report);
    const r = runDoc(sb, 'ecs-triage-Scan', {});
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(report + '\n');
    expect(readFileSync(path.join(sb.root, 'var/lib/ecs-triage/reports/last-scan.txt'), 'utf8')).toBe(report + '\n');
    expect(readdirSync(path.join(sb.root, 'var/lib/ecs-triage/reports'))).toEqual(['last-scan.txt']);
  });

  describe.runIf(process.getuid?.() === 0)('on a full filesystem (a 16 KiB tmpfs; needs root to mount)', () => {
    const mounts: string[] = [];
    afterAll(() => {
      for (const dir of mounts.splice(0)) spawnSync('umount', [dir]);
    });
    function fullDisk(dir: string): void {
      mkdirSync(dir, { recursive: true });
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k,mode=0755', 'tmpfs', dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mount tmpfs: ${r.stderr}`);
      mounts.push(dir);
    }
    // A report of many lines, larger than the filesystem.
    const report = Array.from({ length: 1500 }, (_, i) => `cause ${i}: ${'x'.repeat(40)}`).join('\n');

    it('the copy cannot be kept: the report still reaches stdout whole, the exit code is the scan\'s, no partial copy is left', () => {
      const sb = installed(1, report);
      fullDisk(path.join(sb.root, 'var/lib/ecs-triage'));
      const r = runDoc(sb, 'ecs-triage-Scan', {});
      expect(r.stdout).toBe(report + '\n');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/no copy of the report kept on the instance \(tee: .*last-scan\.txt\.partial.*: No space left on device\); the output above is whole/);
      expect(readdirSync(path.join(sb.root, 'var/lib/ecs-triage/reports'))).toEqual([]);
    });

    it('stdout itself is on the full disk: never exit 0 on a short write (3, with the reason)', () => {
      const sb = installed(0, report);
      const out = path.join(sb.dir, 'full');
      fullDisk(out);
      const { script } = compileDocument('ecs-triage-Scan', {}, docs);
      const fd = openSync(path.join(out, 'stdout'), 'w');
      const r = spawnSync('sh', ['-c', script], { env: sb.env, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', cwd: sb.dir });
      closeSync(fd);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/the report could not be written out whole: tee: .*standard output.*: No space left on device/);
      expect(statSync(path.join(out, 'stdout')).size).toBeLessThan(report.length);
      // The copy on the instance's (other) disk is not kept either: it would be all there is, and look whole.
      expect(readdirSync(path.join(sb.root, 'var/lib/ecs-triage/reports'))).toEqual([]);
    });
  });

  it('exits 3 with a clear message when ecs-triage is not installed', () => {
    const sb = makeSandbox();
    const r = runDoc(sb, 'ecs-triage-Scan', {});
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/not installed on this instance: run the ecs-triage-Install document/);
  });
});

describe('ecs-triage-Uninstall', () => {
  it('removes service and program, keeps config and state unless Purge=true; safe to run twice', () => {
    const sb = makeSandbox({ withNode: true });
    publish(sb, 'ecs-triage.mjs', bundleText());
    expect(runDoc(sb, 'ecs-triage-Install', { BundleSource: 'https://releases.example.com/ecs-triage.mjs' }).status).toBe(0);
    const r = runDoc(sb, 'ecs-triage-Uninstall', {});
    expect(r.status).toBe(0);
    expect(sb.calls()).toContain('systemctl stop ecs-triage.service');
    expect(sb.calls()).toContain('systemctl disable ecs-triage.service');
    for (const gone of ['etc/systemd/system/ecs-triage.service', 'usr/local/bin/ecs-triage', 'opt/ecs-triage']) {
      expect(existsSync(path.join(sb.root, gone)), gone).toBe(false);
    }
    expect(existsSync(path.join(sb.root, 'etc/ecs-triage/config.yaml'))).toBe(true);
    expect(existsSync(path.join(sb.root, 'var/lib/ecs-triage'))).toBe(true);
    const purge = runDoc(sb, 'ecs-triage-Uninstall', { Purge: 'true' });
    expect(purge.status).toBe(0);
    expect(existsSync(path.join(sb.root, 'etc/ecs-triage'))).toBe(false);
    expect(existsSync(path.join(sb.root, 'var/lib/ecs-triage'))).toBe(false);
    // Nothing installed at all: still a success.
    const fresh = makeSandbox();
    expect(runDoc(fresh, 'ecs-triage-Uninstall', { Purge: 'true' }).status).toBe(0);
  });
});
