// Deferred packages: the AWS SDK (about 2 MB of the bundle) and the YAML parser stay inside the single-file
// bundle, but as source text in a string, compiled the first time the CLI touches one of their exports. V8 must
// parse every byte of a module's code before anything runs, so code that most commands never call (a scan, an
// explain, --help) cost every start about 100 ms when it sat in the bundle as code; a string costs a scan.
//
// How: the main build resolves each package the source imports to a stub whose exports are getters (their names
// read from the package at build time); the first getter read compiles the package's group (a CommonJS bundle of
// those packages, built here, stored brotli-compressed as base64) and takes the export from it. A group is
// compiled once per process, so each package in it exists once, as with ordinary imports.
//
// Node's built-in modules get the same kind of stub, over require(): an ESM bundle imports every built-in any of
// its modules names before running anything (http, crypto, tls ... for commands that never use them), and an ESM
// import of node:fs reads all of its exports, which loads the stream modules (about 20 ms in all).
import { build } from 'esbuild';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

/** Packages kept as text, by group: a group is compiled as a whole when one of its packages is first used. */
export const DEFERRED_GROUPS = [
  { name: 'aws', test: /^@(?:aws-sdk|smithy|aws-crypto)\// },
  { name: 'yaml', test: /^yaml$/ },
];

/** The esbuild options of a CommonJS bundle kept as text inside the main one (here, and the scan worker's). */
export const TEXT_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.19',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  write: false,
};

const RUNTIME = 'ecs-triage-deferred-runtime';
const placeholder = (group) => `__ECS_TRIAGE_DEFERRED_SOURCE_${group}__`;

/**
 * The esbuild plugin for the main build: stubs for the deferred packages (recording which specifiers were
 * imported) and the runtime that compiles a group. `root` resolves the packages for their export names.
 */
export function deferredPlugin(root) {
  const requireFromRoot = createRequire(path.join(root, 'package.json'));
  const used = new Map(DEFERRED_GROUPS.map((g) => [g.name, new Set()]));
  const plugin = {
    name: 'deferred-packages',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${RUNTIME}$`) }, () => ({ path: RUNTIME, namespace: 'deferred' }));
      b.onResolve({ filter: /^[@a-z]/ }, (args) => {
        if (args.namespace === 'deferred') return undefined; // a stub's own require()
        if (isDeferredBuiltin(args.path)) return { path: args.path, namespace: 'deferred', pluginData: { builtin: true } };
        // Only the project's own imports: inside a group, esbuild bundles the package's dependencies itself.
        if (args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const group = DEFERRED_GROUPS.find((g) => g.test.test(args.path));
        if (!group) return undefined;
        used.get(group.name).add(args.path);
        return { path: args.path, namespace: 'deferred', pluginData: { group: group.name } };
      });
      b.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => {
        if (args.path === RUNTIME) return { contents: runtimeSource(), loader: 'js' };
        const names = Object.keys(requireFromRoot(args.path)).filter((n) => n !== 'default' && n !== '__esModule');
        const spec = JSON.stringify(args.path);
        const contents = [
          `let m;`,
          // The runtime too is required on first use: compiling it scans the groups' texts.
          `const get = () => (m ??= ${args.pluginData.builtin ? `require(${spec})` : `require(${JSON.stringify(RUNTIME)}).load(${JSON.stringify(args.pluginData.group)}, ${spec})`});`,
          // One string, split: an SDK client exports over a thousand names, and a string costs V8 less to parse than an array.
          `for (const n of ${JSON.stringify(names.join(','))}.split(',')) Object.defineProperty(exports, n, { enumerable: true, get: () => get()[n] });`,
        ].join('\n');
        return { contents, loader: 'js', resolveDir: root };
      });
    },
  };
  return { plugin, used };
}

/**
 * Built-ins every start has loaded anyway, and whose ESM form reads no lazy getter: imported as they are. node:fs
 * is not among them although it is loaded: its ESM form reads fs.ReadStream, which loads the stream modules.
 */
const EAGER_BUILTINS = new Set(['path', 'url', 'events', 'util', 'module', 'buffer', 'worker_threads', 'fs/promises', 'timers', 'querystring', 'process', 'string_decoder']);

function isDeferredBuiltin(spec) {
  const name = spec.replace(/^node:/, '');
  return (spec.startsWith('node:') || builtinModules.includes(name)) && !EAGER_BUILTINS.has(name);
}

function runtimeSource() {
  const sources = DEFERRED_GROUPS.map((g) => `  ${JSON.stringify(g.name)}: () => ${JSON.stringify(placeholder(g.name))},`).join('\n');
  return `
// Each group's text is returned by a function: its (large) string is then compiled only when the group is used.
const sources = {
${sources}
};
const groups = new Map();
// A group's code sees only Node's built-in modules: every package it needs is inside it.
const builtin = (id) => require(id);
exports.load = (group, spec) => {
  let exported = groups.get(group);
  if (!exported) {
    const code = require('node:zlib').brotliDecompressSync(Buffer.from(sources[group](), 'base64')).toString('utf8');
    const module = { exports: {} };
    const fn = require('node:vm').compileFunction(code, ['exports', 'require', 'module'], { filename: 'ecs-triage:deferred/' + group + '.js' });
    fn(module.exports, builtin, module);
    groups.set(group, (exported = module.exports));
  }
  return exported[spec]();
};
`;
}

/**
 * Builds each group's CommonJS bundle from the specifiers the main build imported and writes it into the main
 * bundle's text in place of its placeholder, compressed, as base64. Returns the text and the groups' metafiles.
 */
export async function embedDeferred(text, used, root) {
  const metas = [];
  for (const [group, specs] of used) {
    const entry = `module.exports = {\n${[...specs].sort().map((s) => `  ${JSON.stringify(s)}: () => require(${JSON.stringify(s)}),`).join('\n')}\n};\n`;
    const out = await build({
      ...TEXT_BUNDLE,
      stdin: { contents: entry, resolveDir: root, sourcefile: `deferred-${group}.js`, loader: 'js' },
      metafile: true,
    });
    metas.push(out.metafile);
    const code = Buffer.from(specs.size ? out.outputFiles[0].text : '');
    const literal = JSON.stringify(brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length } }).toString('base64'));
    const token = JSON.stringify(placeholder(group));
    if (text.split(token).length !== 2) throw new Error(`deferred group ${group}: its placeholder is not in the bundle exactly once`);
    text = text.replace(token, () => literal);
  }
  return { text, metas };
}
