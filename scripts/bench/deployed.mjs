// The daemon benches run `watch` the way the systemd unit starts it: with the unit's NODE_OPTIONS (V8 heap
// limits), read from systemd/ecs-triage.service so the bench cannot drift from what is installed.
// BENCH_NODE_OPTIONS overrides them; BENCH_NODE_OPTIONS= (empty) runs with Node's defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** NODE_OPTIONS of the AL2023 unit (`Environment=NODE_OPTIONS=…` or `Environment="NODE_OPTIONS=…"`). */
export function unitNodeOptions() {
  const unit = readFileSync(path.join(repo, 'systemd/ecs-triage.service'), 'utf8');
  const m = /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit);
  return m ? m[1].trim() : '';
}

/** The Node options the daemon benches use, and how to name them in the output. */
export function daemonNodeOptions() {
  const override = process.env.BENCH_NODE_OPTIONS;
  const options = override ?? unitNodeOptions();
  const what = options ? `NODE_OPTIONS="${options}"` : "Node's default options";
  return { options, label: override === undefined ? `as the systemd unit starts it, ${what}` : `with BENCH_NODE_OPTIONS: ${what}` };
}

/** `base` with NODE_OPTIONS set for a daemon child (the bench's own NODE_OPTIONS never leak into it). */
export function daemonEnv(base = process.env, options = daemonNodeOptions().options) {
  const env = { ...base };
  if (options) env.NODE_OPTIONS = options;
  else delete env.NODE_OPTIONS;
  return env;
}
