#!/usr/bin/env node
// `npm run accuracy`: the shipped rules (the built dist/ecs-triage.mjs, exactly what users run) over every
// test/corpus/*.jsonl line. Prints recall per category, overall recall and the false-positive rate, and with
// --misses every line that was missed or wrongly classified. --json prints the figures as JSON; --check exits 1
// when recall < 97 % or false positives > 1 % (the targets of the diagnosis issue).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist/ecs-triage.mjs');
const CORPUS = path.join(ROOT, 'test/corpus');
const SOURCES = new Set(['dockerd', 'containerd', 'ecs-agent', 'ecs-init', 'kernel', 'stopped-reason', 'unknown']);
export const TARGETS = { recall: 0.97, falsePositives: 0.01 };

const args = new Set(process.argv.slice(2));

function readCorpus() {
  const rows = [];
  const problems = [];
  for (const file of readdirSync(CORPUS).filter((f) => f.endsWith('.jsonl')).sort()) {
    readFileSync(path.join(CORPUS, file), 'utf8').split('\n').forEach((text, i) => {
      if (text.trim() === '') return;
      const where = `${file}:${i + 1}`;
      let row;
      try {
        row = JSON.parse(text);
      } catch (err) {
        problems.push(`${where}: not JSON (${err.message})`);
        return;
      }
      if (typeof row.line !== 'string' || row.line === '' || /[\r\n]/.test(row.line)) problems.push(`${where}: \`line\` must be one non-empty line`);
      else if (!SOURCES.has(row.source)) problems.push(`${where}: unknown source ${JSON.stringify(row.source)}`);
      else if (typeof row.label !== 'string' || row.label === '') problems.push(`${where}: \`label\` is missing`);
      else if (typeof row.origin !== 'string' || !/^(?:\S+\/\S+ |recorded: |constructed: )/.test(row.origin)) problems.push(`${where}: \`origin\` must name "<repo> <tag> <file>", "recorded: ..." or "constructed: ..."`);
      else rows.push({ ...row, where });
    });
  }
  return { rows, problems };
}

/** Classifies lines with the built CLI, one `classify` process per source (the classifier's record source). */
function classifyAll(rows) {
  const bySource = new Map();
  for (const r of rows) (bySource.get(r.source) ?? bySource.set(r.source, []).get(r.source)).push(r);
  return Promise.all(
    [...bySource].map(
      ([source, list]) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [BUNDLE, 'classify', '--format', 'json', '--source', source], { stdio: ['pipe', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('error', reject);
          child.on('close', (code) => {
            if (code !== 0) return reject(new Error(`classify --source ${source} exited ${code}`));
            const results = out.trim().split('\n').map((l) => JSON.parse(l));
            if (results.length !== list.length) return reject(new Error(`classify --source ${source}: ${results.length} results for ${list.length} lines`));
            list.forEach((r, i) => {
              r.got = results[i].category;
              r.rule = results[i].ruleId;
            });
            resolve();
          });
          child.stdin.end(list.map((r) => r.line).join('\n') + '\n');
        }),
    ),
  );
}

export function score(rows) {
  const perCategory = {};
  let failures = 0;
  let hits = 0;
  let benign = 0;
  let falsePositives = 0;
  const misses = [];
  for (const r of rows) {
    if (r.label === 'benign') {
      benign += 1;
      if (r.got) {
        falsePositives += 1;
        misses.push(r);
      }
      continue;
    }
    failures += 1;
    const c = (perCategory[r.label] ??= { lines: 0, hits: 0 });
    c.lines += 1;
    if (r.got === r.label) {
      hits += 1;
      c.hits += 1;
    } else misses.push(r);
  }
  return {
    lines: rows.length,
    failures,
    benign,
    benignShare: rows.length ? benign / rows.length : 0,
    recall: failures ? hits / failures : 1,
    falsePositiveRate: benign ? falsePositives / benign : 0,
    falsePositives,
    perCategory: Object.fromEntries(Object.entries(perCategory).sort().map(([k, v]) => [k, { ...v, recall: v.hits / v.lines }])),
    misses: misses.map((r) => ({ where: r.where, label: r.label, got: r.got ?? null, rule: r.rule ?? null, line: r.line })),
  };
}

const pct = (x) => `${(100 * x).toFixed(1)} %`;

async function main() {
  if (!existsSync(BUNDLE)) {
    process.stderr.write('accuracy: dist/ecs-triage.mjs is missing; run npm run build first\n');
    process.exit(2);
  }
  const { rows, problems } = readCorpus();
  if (problems.length > 0) {
    process.stderr.write(`accuracy: ${problems.length} corpus problems:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(2);
  }
  await classifyAll(rows);
  const s = score(rows);
  const ok = s.recall >= TARGETS.recall && s.falsePositiveRate <= TARGETS.falsePositives;
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify({ ...s, targets: TARGETS, ok }, null, 2) + '\n');
  } else {
    const out = [`corpus: ${s.lines} lines in test/corpus/*.jsonl, ${s.failures} failure lines, ${s.benign} benign (${pct(s.benignShare)})`, ''];
    out.push(`${'category'.padEnd(28)} ${'lines'.padStart(6)} ${'found'.padStart(6)}  recall`);
    for (const [c, v] of Object.entries(s.perCategory)) out.push(`${c.padEnd(28)} ${String(v.lines).padStart(6)} ${String(v.hits).padStart(6)}  ${pct(v.recall)}`);
    out.push('');
    out.push(`recall ${pct(s.recall)} (target >= ${pct(TARGETS.recall)}); false positives ${s.falsePositives} of ${s.benign} benign lines = ${pct(s.falsePositiveRate)} (target <= ${pct(TARGETS.falsePositives)})`);
    if (args.has('--misses')) for (const m of s.misses) out.push(`  ${m.where}: ${m.label} -> ${m.got ?? 'nothing'}${m.rule ? ` (${m.rule})` : ''}: ${m.line.slice(0, 200)}`);
    else if (s.misses.length > 0) out.push(`${s.misses.length} lines missed or misclassified: npm run accuracy -- --misses`);
    process.stdout.write(out.join('\n') + '\n');
  }
  if (args.has('--check') && !ok) process.exit(1);
}

await main();
