// Builds dist/ecs-triage.mjs: one ESM file with every dependency and the default rules inside,
// so a host needs only `node` to run it. Used by `prepare` (the bin in a checkout) and `npm run build`.
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { brotliCompressSync } from 'node:zlib';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { kernelDefine } from './wasm.mjs';
import { deferredPlugin, embedDeferred, TEXT_BUNDLE } from './deferred.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

async function embeddedPatterns(folder = 'patterns') {
  const dir = path.join(root, folder);
  const out = {};
  for (const name of (await readdir(dir)).sort()) {
    if (/\.(ya?ml|json)$/.test(name)) out[name] = await readFile(path.join(dir, name), 'utf8');
  }
  return out;
}

/**
 * The rules go in already parsed: parsing 160 KB of YAML took about 250 ms of every start. A file that does
 * not parse goes in as text, so the bundle reports it with its name like any other bad rule file.
 */
function preparse(files) {
  const out = {};
  for (const [name, text] of Object.entries(files)) {
    try {
      out[name] = { doc: name.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true }) };
    } catch {
      out[name] = { text };
    }
  }
  return out;
}

/**
 * Runs every check on the shipped rules (shapes, regexes and their backtracking risk, every example and
 * counterexample) with the code the bundle itself runs (src/classify/compile.ts), so that the bundle can skip
 * them for its embedded copy at each start: they were most of the start-up's rule loading. Rules that fail are
 * embedded unverified and the bundle checks and reports them at start, as before.
 */
async function verifiedAtBuild(patterns, define) {
  if (Object.values(patterns).some((e) => e.doc === undefined)) return false;
  const out = await build({
    entryPoints: [path.join(root, 'src/classify/compile.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    define,
    logLevel: 'warning',
    write: false,
  });
  const tmp = path.join(os.tmpdir(), `ecs-triage-verify-${process.pid}-${Date.now()}.mjs`);
  await writeFile(tmp, out.outputFiles[0].contents);
  try {
    const { compileParsed } = await import(pathToFileURL(tmp).href);
    compileParsed(Object.entries(patterns).map(([name, e]) => ({ name: `embedded:${name}`, doc: e.doc })));
    return true;
  } catch {
    return false;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * The copy running commands load when the build verified the rules: each rule keeps its first example (the
 * schema wants one) and no counterexamples or file description - half the text, parsed at every start. The
 * whole copy goes in too, compressed, for `patterns check` and `patterns list` when no patterns/ directory is
 * next to the bundle.
 */
function forRunning(files) {
  const out = {};
  for (const [name, e] of Object.entries(files)) {
    const doc = e.doc;
    if (!doc || !Array.isArray(doc.rules)) {
      out[name] = e;
      continue;
    }
    const { description: _d, ...rest } = doc;
    const rules = doc.rules.map(({ counterexamples: _c, ...r }) => ({ ...r, examples: Array.isArray(r.examples) ? r.examples.slice(0, 1) : r.examples }));
    out[name] = { doc: { ...rest, rules } };
  }
  return out;
}

const started = Date.now();
// The byte search's WebAssembly (src/search/kernel.wat, under 1 KiB) goes into both bundles as base64.
const kernel = await kernelDefine();
const patterns = preparse(await embeddedPatterns());
// The scan worker thread runs from its own small bundle (the search alone), embedded as a string: a thread that
// loaded the whole CLI would cost ~30 MB; this one a few.
const worker = await build({ ...TEXT_BUNDLE, entryPoints: [path.join(root, 'src/scan/worker-entry.ts')], define: kernel });
const verified = await verifiedAtBuild(patterns, kernel);
// The AWS SDK and the YAML parser go in as text, compiled on first use (scripts/deferred.mjs).
const deferred = deferredPlugin(root);
const result = await build({
  entryPoints: [path.join(root, 'src/bin.ts')],
  plugins: [deferred.plugin],
  outfile: path.join(root, 'dist/ecs-triage.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ecsTriageCreateRequire } from 'node:module';\nconst require = __ecsTriageCreateRequire(import.meta.url);",
  },
  define: {
    __ECS_TRIAGE_VERSION__: JSON.stringify(pkg.version),
    // Strings for JSON.parse: V8 parses JSON faster than the same data as code, and only when it is used.
    __EMBEDDED_PATTERNS_JSON__: JSON.stringify(JSON.stringify(verified ? forRunning(patterns) : patterns)),
    __EMBEDDED_PATTERNS_FULL__: verified ? JSON.stringify(brotliCompressSync(JSON.stringify(patterns)).toString('base64')) : 'undefined',
    __EMBEDDED_PATTERNS_VERIFIED__: JSON.stringify(verified),
    __EMBEDDED_QUERIES__: JSON.stringify(await embeddedPatterns('queries')),
    __SCAN_WORKER_SOURCE__: JSON.stringify(worker.outputFiles[0].text),
    ...kernel,
  },
  legalComments: 'none',
  // Start-up is mostly V8 compiling this one large module; whitespace and syntax minification cut that by about a
  // quarter (see `npm run bench`, startup). Identifiers are kept so stack traces still name functions.
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
  // Written below with a rename: several test runs share this tree, and a process must never start a half-written bundle.
  write: false,
});
await mkdir(path.join(root, 'dist'), { recursive: true });
async function writeAtomic(file, data, mode = 0o644) {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, file);
}
const [bundleOut] = result.outputFiles;
const { text: bundleText, metas } = await embedDeferred(bundleOut.text, deferred.used, root);
await writeAtomic(bundleOut.path, bundleText, 0o755);
const bytes = Buffer.byteLength(bundleText);
// Kept next to the bundle so tests and the bench can prove the AWS SDK is reachable only through dynamic imports
// (the deferred groups' inputs are listed too: they are in the bundle, as text).
const meta = result.metafile;
for (const m of metas) Object.assign(meta.inputs, m.inputs);
// esbuild's own helpers appear as an import of `<runtime>`: not a package.
for (const input of Object.values(meta.inputs)) input.imports = input.imports.filter((i) => i.path !== '<runtime>');
await writeAtomic(path.join(root, 'dist/ecs-triage.meta.json'), JSON.stringify(meta));
if (!process.env.ECS_TRIAGE_BUILD_QUIET) {
  console.error(`built dist/ecs-triage.mjs (${(bytes / 1024).toFixed(0)} KiB) in ${Date.now() - started} ms`);
}
