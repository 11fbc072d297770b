// The AWS conventions of every command that calls AWS (task, fleet scan, queries install, insights, scan --ship),
// end to end through the real CLI: the named profile's credentials and Region, HTTPS through a real proxy process
// (Debian's tinyproxy) with NO_PROXY honoured, a hint when there are no credentials, and no SDK Node-version warning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchLogsServer } from './servers/cloudwatch-logs.js';
import { INSTANCE_ID, REGION, TASK_ID, scenario, startWorld, taskArn, type RunningWorld } from './task-world.js';
import { runCli } from './helpers/cli.js';

const TINYPROXY = spawnSync('sh', ['-c', 'command -v tinyproxy'], { encoding: 'utf8' }).stdout.trim();
const WARNING = /NodeVersionSupportWarning|AWS SDK for JavaScript \(v3\)/;

let dir: string;
let tls: { key: string; cert: string; caFile: string };
let logs: CloudWatchLogsServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aws-conventions-'));
  // A certificate for 127.0.0.1, trusted by the CLI through NODE_EXTRA_CA_CERTS: the endpoints speak real HTTPS.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  tls = { key: await readFile(path.join(dir, 'key.pem'), 'utf8'), cert: await readFile(path.join(dir, 'cert.pem'), 'utf8'), caFile: path.join(dir, 'cert.pem') };
  logs = new CloudWatchLogsServer();
  await logs.start();
});
afterAll(async () => {
  await logs.stop();
  await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Proxy {
  url: string;
  /** CONNECT requests the proxy logged so far. */
  connects(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Debian's tinyproxy in the foreground, on a port of its own, logging every CONNECT. */
async function startTinyproxy(): Promise<Proxy> {
  const port = await freePort();
  const conf = path.join(dir, `tinyproxy-${port}.conf`);
  const log = path.join(dir, `tinyproxy-${port}.log`);
  await writeFile(conf, [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 60', `LogFile "${log}"`, 'LogLevel Info', 'MaxClients 50', 'Allow 127.0.0.1', ''].join('\n'));
  const child: ChildProcess = spawn(TINYPROXY, ['-d', '-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    connects: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => / CONNECT /.test(l) && /Request/.test(l)),
    stop: () =>
      new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

describe.skipIf(!TINYPROXY)('HTTPS through a real proxy (tinyproxy), for every AWS client', () => {
  let proxy: Proxy;
  let world: RunningWorld;
  beforeAll(async () => {
    proxy = await startTinyproxy();
    const w = scenario('secret-not-readable', 'FARGATE');
    world = await startWorld(w, { tls: { key: tls.key, cert: tls.cert }, extraBackends: { logs: logs.endpoint } });
  });
  afterAll(async () => {
    await world.close();
    await proxy.stop();
  });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HTTPS_PROXY: proxy.url, NO_PROXY: '', NODE_EXTRA_CA_CERTS: tls.caFile, ...extra });
  const target = (): string => `CONNECT 127.0.0.1:${world.front.port}`;

  it('task: ECS, IAM, the EC2 Query client, Secrets Manager — all through the proxy (a secret the role may not read: the checks of ResourceInitializationError)', async () => {
    const before = (await proxy.connects()).length;
    const r = await world.cli(['task', taskArn(), '--no-host', '--endpoint-url', world.front.endpoint, '--format', 'json'], env());
    expect(r.stderr).not.toMatch(/unexpected|ecs-triage:/);
    const report = JSON.parse(r.stdout) as { verdict: { status: string } };
    expect(report.verdict.status).toBe('confirmed');
    const services = new Set(world.front.requests.map((q) => q.service));
    // Every client but ECR's (the SDK's, built by the same settings as the others) signs and connects through the proxy.
    for (const s of ['ecs', 'iam', 'ec2', 'secretsmanager']) expect(services.has(s), s).toBe(true);
    const connects = (await proxy.connects()).slice(before);
    expect(connects.length).toBeGreaterThan(0);
    expect(connects.every((l) => l.includes(target()))).toBe(true);
  });

  it('queries install (CloudWatch Logs), and the CloudWatch sink of scan --ship', async () => {
    const before = (await proxy.connects()).length;
    const q = await runCli(['queries', 'install', '--endpoint-url', world.front.endpoint, '--region', REGION], { env: { ...env(), AWS_ACCESS_KEY_ID: 'AKIDPROXY', AWS_SECRET_ACCESS_KEY: 's', HOME: world.dir } });
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/queries saved for log group/);
    const cfg = path.join(world.dir, 'ship.yaml');
    await writeFile(cfg, `stateDir: ${path.join(world.dir, 'state')}\ncloudwatch:\n  logGroup: /ecs-triage/proxy\n  logStream: proxy-test\n  endpoint: ${world.front.endpoint}\n  region: ${REGION}\n`);
    const s = await runCli(['scan', '--root', 'fixtures/hosts/ecr-auth-denied', '--fail-on', 'never', '--format', 'summary', '--ship', '--config', cfg], {
      env: { ...env(), AWS_ACCESS_KEY_ID: 'AKIDPROXY', AWS_SECRET_ACCESS_KEY: 's', AWS_EC2_METADATA_DISABLED: 'true', HOME: world.dir },
    });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/shipped \d+ findings? to CloudWatch Logs \/ecs-triage\/proxy \(stream proxy-test\): [1-9]\d* delivered/);
    expect((await proxy.connects()).length).toBeGreaterThan(before + 1);
  });

  it('fleet scan (SSM and ECS), and the SSM host join of task', async () => {
    const w = scenario('reference-incident', 'EC2');
    w.ssmInstances = [{ id: INSTANCE_ID, root: path.resolve('fixtures/hosts/ecr-auth-denied') }];
    const ec2World = await startWorld(w, { tls: { key: tls.key, cert: tls.cert } });
    try {
      const before = (await proxy.connects()).length;
      const fleet = await ec2World.cli(['fleet', 'scan', '--cluster', 'prod', '--since', '3650d', '--poll-interval', '200ms', '--format', 'json'], env({ AWS_ENDPOINT_URL: ec2World.front.endpoint }));
      expect(fleet.stderr).not.toMatch(/ecs-triage: /);
      const report = JSON.parse(fleet.stdout) as { instances: Array<{ state: string }> };
      expect(report.instances.map((i) => i.state)).toEqual(['answered']);
      const task = await ec2World.cli(['task', taskArn(), '--endpoint-url', ec2World.front.endpoint, '--format', 'json', '--poll-interval', '200ms', '--no-verify'], env());
      expect((JSON.parse(task.stdout) as { host: { joined: boolean } }).host.joined).toBe(true);
      const connects = (await proxy.connects()).slice(before);
      expect(connects.length).toBeGreaterThan(1);
      expect(connects.every((l) => l.includes(`CONNECT 127.0.0.1:${ec2World.front.port}`))).toBe(true);
      expect(new Set(ec2World.front.requests.map((q) => q.service))).toEqual(new Set(['ecs', 'ssm']));
    } finally {
      await ec2World.close();
    }
  });

  it('NO_PROXY: listed hosts go direct (the proxy sees nothing)', async () => {
    const before = (await proxy.connects()).length;
    const r = await world.cli(['task', taskArn(), '--no-host', '--no-verify', '--endpoint-url', world.front.endpoint, '--format', 'json'], env({ NO_PROXY: 'localhost,127.0.0.1' }));
    expect(r.code).toBe(1);
    expect((await proxy.connects()).length).toBe(before);
  });

  it('a proxy that is not there: exit 3 (could not run) with the proxy in the hint', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await world.cli(['task', taskArn(), '--no-host', '--endpoint-url', world.front.endpoint], env({ HTTPS_PROXY: dead, AWS_MAX_ATTEMPTS: '1' }));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/proxy http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stderr).toMatch(/hint: no answer from the ECS endpoint: .*the proxy in HTTPS_PROXY \(http:\/\/127\.0\.0\.1:\d+\) and NO_PROXY/);
  });
});

describe('profiles, credentials hint, the SDK warning', () => {
  let world: RunningWorld;
  let home: string;
  beforeAll(async () => {
    world = await startWorld(scenario('reference-incident', 'FARGATE'), { extraBackends: { logs: logs.endpoint } });
    home = path.join(world.dir, 'home');
    await mkdir(path.join(home, '.aws'), { recursive: true });
    await writeFile(path.join(home, '.aws/config'), `[default]\nregion = eu-west-3\n\n[profile oncall]\nregion = ${REGION}\n`);
    await writeFile(path.join(home, '.aws/credentials'), '[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n[oncall]\naws_access_key_id = AKIDONCALLPROFILE\naws_secret_access_key = o\n');
  });
  afterAll(async () => {
    await world.close();
  });

  /** Nothing from the environment the tests run in: the profile files decide. */
  const bare = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
    HOME: home,
    ...extra,
  });

  it('--profile: its credentials sign every call and its Region is used (also through AWS_PROFILE)', async () => {
    const n = world.front.requests.length;
    const r = await world.cli(['task', TASK_ID, '--cluster', 'prod', '--profile', 'oncall', '--no-host', '--endpoint-url', world.front.endpoint, '--format', 'json'], bare());
    expect(r.code, r.stderr).toBe(1);
    const made = world.front.requests.slice(n);
    expect(made.length).toBeGreaterThan(5);
    expect(new Set(made.map((q) => q.accessKeyId))).toEqual(new Set(['AKIDONCALLPROFILE']));
    expect(made.filter((q) => q.service !== 'iam').every((q) => q.region === REGION)).toBe(true);
    const m = world.front.requests.length;
    const viaEnv = await world.cli(['task', TASK_ID, '--cluster', 'prod', '--no-host', '--no-verify', '--endpoint-url', world.front.endpoint], bare({ AWS_PROFILE: 'oncall' }));
    expect(viaEnv.code, viaEnv.stderr).toBe(1);
    expect(new Set(world.front.requests.slice(m).map((q) => q.accessKeyId))).toEqual(new Set(['AKIDONCALLPROFILE']));
  });

  it('no credentials anywhere: every command that calls AWS exits 3 with the hint', async () => {
    const empty = path.join(world.dir, 'empty-home');
    await mkdir(empty, { recursive: true });
    const none = bare({ HOME: empty, AWS_REGION: REGION });
    const runs = [
      ['task', taskArn(), '--endpoint-url', world.front.endpoint, '--no-host'],
      ['fleet', 'scan', '--cluster', 'prod', '--endpoint-url', world.front.endpoint],
      ['queries', 'install', '--endpoint-url', world.front.endpoint],
      ['insights', 'top-causes-by-cluster', '--endpoint-url', world.front.endpoint],
    ];
    for (const args of runs) {
      const r = await world.cli(args, none);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(3);
      expect(r.stderr, args[0]).toMatch(/hint: no AWS credentials were found: name a profile of ~\/\.aws\/config \(--profile NAME, or AWS_PROFILE\)/);
      expect(r.stderr, args[0]).not.toMatch(WARNING);
    }
    // The CloudWatch sink (scan --ship, watch) keeps the events spooled and logs the same hint.
    const cfg = path.join(world.dir, 'ship-nocreds.yaml');
    await writeFile(cfg, `stateDir: ${path.join(world.dir, 'state-nocreds')}\ncloudwatch:\n  logGroup: /ecs-triage/nocreds\n  endpoint: ${world.front.endpoint}\n  region: ${REGION}\n`);
    const ship = await world.cli(['scan', '--root', 'fixtures/hosts/ecr-auth-denied', '--ship', '--config', cfg, '--format', 'summary', '--fail-on', 'never'], none);
    expect(ship.stderr).toMatch(/level=error msg="CloudWatch refused our credentials or permissions; events stay spooled" .*hint="no AWS credentials were found/);
    expect(ship.stderr).toMatch(/still spooled/);
    // The report was printed, the shipping did not happen: could not run (3), not 0.
    expect(ship.code).toBe(3);
    expect(ship.stderr).not.toMatch(WARNING);
  });

  it('no SDK Node-version warning from any command, though the environment does not silence it', async () => {
    const ok = bare({ AWS_PROFILE: 'oncall' });
    const runs: Array<[string[], NodeJS.ProcessEnv]> = [
      [['task', taskArn(), '--endpoint-url', world.front.endpoint, '--no-host'], ok],
      [['queries', 'install', '--endpoint-url', world.front.endpoint], ok],
      [['insights', 'top-causes-by-cluster', '--endpoint-url', world.front.endpoint, '--timeout', '5s'], ok],
      [['fleet', 'scan', '--instance-ids', 'i-0123456789abcdef0', '--endpoint-url', world.front.endpoint, '--poll-interval', '100ms'], ok],
    ];
    for (const [args, env] of runs) {
      const r = await world.cli(args, env);
      expect(r.stderr, args.join(' ')).not.toMatch(WARNING);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).not.toBe(3);
    }
  });
});
