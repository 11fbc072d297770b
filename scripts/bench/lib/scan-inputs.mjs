// The scan bench's inputs: a deterministic ECS agent log (realistic agent noise, one failure line in 500 taken
// from the rules' own examples) and the shipped rule library, parsed, with a copy doubled by mutated rules.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function prng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const hex = (rnd, n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');

const POOL = (() => {
  const rnd = prng(42);
  return Array.from({ length: 4096 }, () => hex(rnd, 32));
})();

function noiseLine(rnd, ts) {
  const task = POOL[Math.floor(rnd() * POOL.length)];
  const arn = `arn:aws:ecs:us-east-1:123456789012:task/prod/${task}`;
  const img = `123456789012.dkr.ecr.us-east-1.amazonaws.com/svc-${Math.floor(rnd() * 40)}:v${Math.floor(rnd() * 90)}.${Math.floor(rnd() * 10)}`;
  switch (Math.floor(rnd() * 9)) {
    case 0: return `level=info time=${ts} msg="Task status changed" taskARN="${arn}" knownStatus=RUNNING desiredStatus=RUNNING`;
    case 1: return `level=info time=${ts} msg="Pulling image for container concurrently" task="${task}" container="web" image="${img}"`;
    case 2: return `level=info time=${ts} msg="Finished pulling image for container" task="${task}" container="web" image="${img}" elapsed="${(rnd() * 9).toFixed(3)}s"`;
    case 3: return `level=info time=${ts} msg="Handling http request" method=GET from=127.0.0.1:${30000 + Math.floor(rnd() * 30000)} uri=/v1/metadata module=handlers.go`;
    case 4: return `level=debug time=${ts} msg="Sending state change to ECS" eventType=TaskStateChange change="${task} -> RUNNING" module=task_handler.go`;
    case 5: return `level=info time=${ts} msg="Container statechange" task="${task}" container="sidecar" knownStatus="RUNNING" module=docker_task_engine.go`;
    case 6: return `level=info time=${ts} msg="TCS Websocket connection closed for a valid reason" module=tcs_client.go`;
    case 7: return `level=info time=${ts} msg="Successfully got ECR auth token" registry=123456789012.dkr.ecr.us-east-1.amazonaws.com module=ecr_client.go`;
    default: return `level=info time=${ts} msg="Managed task got acs event" task="${task}" desiredStatus=RUNNING seqnum=${Math.floor(rnd() * 1e6)}`;
  }
}

/** The shipped rule files, parsed, by file name. */
export async function ruleFiles() {
  const { parse } = await import('yaml');
  const dir = path.join(root, 'patterns');
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(names.map(async (n) => ({ name: n, doc: parse(await readFile(path.join(dir, n), 'utf8')) })));
}

export async function ruleDocs() {
  return (await ruleFiles()).map((f) => f.doc);
}

async function failureLines() {
  // The failure lines are the shipped rules' own examples: the scan must find each of them.
  const lines = [];
  for (const doc of await ruleDocs()) {
    for (const r of doc.rules ?? []) for (const ex of r.examples ?? []) lines.push(typeof ex === 'string' ? ex : ex.line);
  }
  return lines.filter((l) => !l.includes('\n'));
}

export async function generateLog(file, targetBytes) {
  const failures = await failureLines();
  const rnd = prng(20261123);
  const out = createWriteStream(file);
  let bytes = 0;
  let lines = 0;
  let failuresWritten = 0;
  let t = Date.parse('2026-11-20T00:00:00Z');
  let tsAt = 0;
  let ts = '';
  while (bytes < targetBytes) {
    let batch = '';
    for (let i = 0; i < 20000; i++) {
      t += 37;
      // A new timestamp string only when the second changes: toISOString is the generator's hot spot.
      if (t - tsAt >= 1000) {
        tsAt = t - (t % 1000);
        ts = new Date(tsAt).toISOString().slice(0, 19) + 'Z';
      }
      let line;
      if (lines % 500 === 250 && failures.length > 0) {
        line = failures[Math.floor(rnd() * failures.length)];
        failuresWritten += 1;
      } else line = noiseLine(rnd, ts);
      batch += line + '\n';
      lines += 1;
    }
    bytes += Buffer.byteLength(batch);
    if (!out.write(batch)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return { bytes, lines, failuresWritten, literals: failures.length };
}

/** The rules' literals as the search sees them: `text` (lower-cased when the rule has flag `i`) and `fold`. */
export function literalsOf(docs) {
  const out = new Map();
  for (const doc of docs) {
    for (const r of doc.rules ?? []) {
      const fold = (r.flags ?? '').includes('i');
      for (const l of r.literals ?? []) {
        const text = fold ? l.toLowerCase() : l;
        out.set(`${fold}:${text}`, { text, fold });
      }
    }
  }
  return [...out.values()];
}

/**
 * Writes the library as JSON pattern files into `dir`, and with `doubled` a mutated copy of every rule beside
 * it: each literal with one letter changed (it keeps its length and its look), a `match` that is that literal,
 * and one example line holding it, so the copy passes the same validation as the original. JSON, not YAML,
 * so that loading costs little next to the search. Returns the copies.
 */
export async function writeLibrary(dir, docs, { doubled = false } = {}) {
  await mkdir(dir, { recursive: true });
  const rnd = prng(31337);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const mutate = (lit) => {
    const at = Math.floor(lit.length / 2) + Math.floor(rnd() * Math.ceil(lit.length / 2));
    const i = [...lit].findIndex((c, k) => k >= Math.min(at, lit.length - 1) && /[a-z]/i.test(c));
    const k = i === -1 ? lit.search(/[a-z]/i) : i;
    let c = letters[Math.floor(rnd() * 26)];
    if (c === lit[k].toLowerCase()) c = letters[(letters.indexOf(c) + 1) % 26];
    return lit.slice(0, k) + c + lit.slice(k + 1);
  };
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const copies = [];
  for (const [i, doc] of docs.entries()) {
    await writeFile(path.join(dir, `lib-${i}.json`), JSON.stringify(doc));
    if (!doubled) continue;
    const rules = doc.rules.map((r) => {
      const literals = r.literals.map(mutate);
      return {
        ...r,
        id: `${r.id}-mutated`,
        priority: 0,
        literals,
        match: escape(literals[0]),
        unless: undefined,
        examples: [{ line: `mutated rule, line holding ${literals[0]} for the example check` }],
        counterexamples: [],
      };
    });
    const copy = { family: `${doc.family ?? i}-mutated`, rules };
    copies.push(copy);
    await writeFile(path.join(dir, `lib-${i}-mutated.json`), JSON.stringify(copy));
  }
  return copies;
}
