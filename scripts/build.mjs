// Builds dist/ecs-triage.mjs: one ESM file with every dependency and the default rules inside,
// so a host needs only `node` to run it. Used by `prepare` (the bin in a checkout) and `npm run build`.
import { build } from 'esbuild';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

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

const started = Date.now();
const result = await build({
  entryPoints: [path.join(root, 'src/cli.ts')],
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
    __EMBEDDED_PATTERNS__: JSON.stringify(await embeddedPatterns()),
    __EMBEDDED_QUERIES__: JSON.stringify(await embeddedPatterns('queries')),
  },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
// Kept next to the bundle so tests and the bench can prove the AWS SDK is reachable only through dynamic imports.
await writeFile(path.join(root, 'dist/ecs-triage.meta.json'), JSON.stringify(result.metafile));
if (!process.env.ECS_TRIAGE_BUILD_QUIET) {
  console.error(`built dist/ecs-triage.mjs (${(bytes / 1024).toFixed(0)} KiB) in ${Date.now() - started} ms`);
}
