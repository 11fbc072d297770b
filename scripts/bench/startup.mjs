// Start-up cost and size of the single-file bundle. Start-up matters twice: every SSM scan and every
// `ecs-triage` typed in an incident pays it. Figures are ratios to `node -e 0` measured in the same run,
// interleaved so machine noise hits all of them alike. The AWS SDK must not initialise unless the command calls
// AWS: the `--help` ratio is compared with a run that imports the SDK, and the loaded built-ins are reported.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

export async function run({ log, root, bundle, work, median, timed }) {
  const runs = Math.max(5, Number(process.env.BENCH_STARTUP_RUNS ?? 9));
  const text = await readFile(bundle);
  const bytes = (await stat(bundle)).size;
  const gz = gzipSync(text, { level: 9 }).length;
  log(`startup: bundle ${(bytes / 1024).toFixed(0)} KiB (${(gz / 1024).toFixed(0)} KiB gzipped), ${bundle.replace(root + '/', '')}`);

  const empty = path.join(work, 'empty-host');
  await mkdir(empty, { recursive: true });
  // A script that loads the two SDK clients the way `fleet` does, from the bundle's own copy, for comparison.
  const sdk = `import(${JSON.stringify(path.join(root, 'node_modules/@aws-sdk/client-ssm/dist-cjs/index.js'))}).then(()=>import(${JSON.stringify(path.join(root, 'node_modules/@aws-sdk/client-ecs/dist-cjs/index.js'))}))`;
  const cases = {
    'node -e 0': [process.execPath, ['-e', '0']],
    '--help': [process.execPath, [bundle, '--help']],
    'fleet scan --help': [process.execPath, [bundle, 'fleet', 'scan', '--help']],
    'scan (empty host)': [process.execPath, [bundle, 'scan', '--root', empty, '--format', 'summary', '--fail-on', 'never']],
    'import SSM+ECS SDK (unbundled)': [process.execPath, ['-e', sdk]],
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, [cmd, args]] of Object.entries(cases)) {
      const r = await timed(cmd, args, env);
      // A scan of an empty host exits 3: it could not look at any log (the answer is "unknown", not "ok").
      if (r.code !== (name.startsWith('scan') ? 3 : 0)) throw new Error(`${name} exited ${r.code}: ${r.err.slice(0, 500)}`);
      if (i > 0) times[name].push(r.ms); // the first round only warms the page cache
    }
  }
  const base = median(times['node -e 0']);
  for (const [name, xs] of Object.entries(times)) {
    const m = median(xs);
    log(`startup: ${name.padEnd(32)} median ${m.toFixed(0).padStart(4)} ms  = ${(m / base).toFixed(2)} × node -e 0   (runs: ${xs.map((x) => x.toFixed(0)).join('/')})`);
  }

  // Which network built-ins each command loaded: http2 comes with the SDK's HTTP handler.
  const probe = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nBUILTINS "+JSON.stringify(process.moduleLoadList.filter(m=>/^NativeModule (http2|https)$/.test(m)))+"\\n"))';
  for (const args of [['--help'], ['scan', '--root', empty, '--format', 'summary']]) {
    const r = spawnSync(process.execPath, ['--import', probe, bundle, ...args], { encoding: 'utf8' });
    const line = r.stderr.split('\n').find((l) => l.startsWith('BUILTINS ')) ?? 'BUILTINS ?';
    const list = JSON.parse(line.slice(9) || '[]');
    log(`startup: ${args[0]}: AWS SDK initialised: ${list.includes('NativeModule http2') ? 'YES (regression)' : 'no'}`);
  }
  return {
    bundleBytes: bytes,
    gzipBytes: gz,
    helpRatio: median(times['--help']) / base,
    scanRatio: median(times['scan (empty host)']) / base,
  };
}
