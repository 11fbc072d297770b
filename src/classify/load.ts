// Loads pattern files, validates every rule and every example, and compiles the rule set.
// Every problem is collected and reported together, each naming the file, the rule id and the reason.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { errorMessage, RuleError, RuleSetError } from '../errors.js';
import { readRegularFile } from '../base/regular-file.js';
import { compileParsed, PATTERN_FILE, type ParsedSource } from './compile.js';
import type { RuleSet } from './ruleset.js';
import { stressRules } from './stress.js';

/** Filled in by scripts/build.mjs: each shipped file, parsed at build time (or as text if it did not parse), as JSON. */
declare const __EMBEDDED_PATTERNS_JSON__: string | undefined;
/**
 * When the build verified them: every file whole, brotli-compressed as base64; the JSON above is then the copy
 * running commands use (each rule with its first example only, no counterexamples).
 */
declare const __EMBEDDED_PATTERNS_FULL__: string | undefined;
/** Set by scripts/build.mjs when the embedded rules passed every check, examples included, at build time. */
declare const __EMBEDDED_PATTERNS_VERIFIED__: boolean | undefined;

export interface PatternSource {
  /** Shown in messages: a path, or `embedded:NAME` for the copy inside the bundle. */
  name: string;
  text: string;
  /** Already parsed (the bundle's embedded copy): skips the YAML parser. */
  doc?: unknown;
  /** Its regexes and examples were checked at build time (the bundle's embedded copy): not again at every start. */
  verified?: boolean;
}


/** The shipped patterns/ directory next to the package, when running from a checkout or an installed package. */
export async function shippedPatternsDir(): Promise<string | undefined> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../patterns', '../../patterns']) {
    const dir = path.resolve(here, rel);
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, '..', 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'ecs-triage' && (await stat(dir)).isDirectory()) return dir;
    } catch {
      // not this layout
    }
  }
  return undefined;
}

export async function readPatternDir(dir: string): Promise<PatternSource[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => PATTERN_FILE.test(n)).sort();
  } catch (err) {
    throw new RuleSetError([new RuleError(dir, undefined, `cannot read the pattern directory: ${(err as Error).message}`)]);
  }
  if (names.length === 0) throw new RuleSetError([new RuleError(dir, undefined, 'no pattern files (*.yaml, *.yml, *.json) in it')]);
  return Promise.all(names.map(async (n) => ({ name: path.join(dir, n), text: await readPatternFile(path.join(dir, n)) })));
}

/** A pattern file that cannot be read (or is a FIFO) is a rule error naming it, not a hang or a stack trace. */
async function readPatternFile(file: string): Promise<string> {
  try {
    return await readRegularFile(file);
  } catch (err) {
    throw new RuleSetError([new RuleError(file, undefined, `cannot read: ${errorMessage(err)}`)]);
  }
}

/**
 * The embedded texts, read once at the top level: inside a function, V8 would scan their hundreds of KB twice
 * at every start (once to find where the function ends, again to compile it when called).
 */
const EMBEDDED_JSON = typeof __EMBEDDED_PATTERNS_JSON__ === 'string' ? __EMBEDDED_PATTERNS_JSON__ : undefined;
const EMBEDDED_WHOLE = typeof __EMBEDDED_PATTERNS_FULL__ === 'string' ? __EMBEDDED_PATTERNS_FULL__ : undefined;

/** `whole`: every example and counterexample (for `patterns`), not the lighter copy commands run with. */
function embeddedSources(whole: boolean): PatternSource[] | undefined {
  if (EMBEDDED_JSON === undefined) return undefined;
  const json = whole && EMBEDDED_WHOLE !== undefined ? brotliDecompressSync(Buffer.from(EMBEDDED_WHOLE, 'base64')).toString('utf8') : EMBEDDED_JSON;
  const embedded = JSON.parse(json) as Record<string, { doc?: unknown; text?: string }>;
  return Object.entries(embedded).map(([name, e]) => ({
    name: `embedded:${name}`,
    text: e.text ?? '',
    ...(e.doc !== undefined ? { doc: e.doc } : {}),
    ...(typeof __EMBEDDED_PATTERNS_VERIFIED__ === 'boolean' && __EMBEDDED_PATTERNS_VERIFIED__ ? { verified: true } : {}),
  }));
}

/**
 * Where the default rules come from. Running commands prefer the copy inside the bundle (parsed at build
 * time, and the same rules wherever the bundle is copied); `patterns check` prefers the directory, which is
 * what a rule author is editing.
 */
export async function defaultPatternSources(prefer: 'embedded' | 'directory' = 'embedded'): Promise<PatternSource[]> {
  if (prefer === 'embedded') {
    const embedded = embeddedSources(false);
    if (embedded) return embedded;
  }
  const dir = await shippedPatternsDir();
  if (dir) return readPatternDir(dir);
  const embedded = embeddedSources(true);
  if (embedded) return embedded;
  throw new RuleSetError([new RuleError('patterns', undefined, 'no shipped pattern directory found and no embedded rules')]);
}

/**
 * The shipped rules, or the rules of a user's directory. A user's rules are also timed on adversarial lines
 * (stress.ts) and refused when one is too slow; a rule whose regexes are those of a shipped rule is not timed
 * again (the tests verify the shipped ones), nor are the shipped rules at start-up.
 */
export async function loadRuleSet(dir?: string): Promise<RuleSet> {
  if (!dir) return compileRuleSet(await defaultPatternSources());
  const set = compileRuleSet(await readPatternDir(dir));
  const shipped = shippedRegexes(await defaultPatternSources());
  const slow = stressRules(set.rules.filter((r) => !shipped.has(regexKey(r.re.source, r.unless?.source, r.re.flags))));
  if (slow.length > 0) throw new RuleSetError(slow.map((s) => new RuleError(s.file, s.id, s.reason)));
  return set;
}

function regexKey(match: string, unless: string | undefined, flags: string): string {
  return `${flags}\u0000${match}\u0000${unless ?? ''}`;
}

/** `match`, `unless` and flags of every shipped rule, as RegExp#source and #flags write them (`/` escaped, flags sorted). */
function shippedRegexes(sources: PatternSource[]): Set<string> {
  const keys = new Set<string>();
  for (const src of sources) {
    let doc = src.doc;
    try {
      doc ??= src.name.endsWith('.json') ? JSON.parse(src.text) : parseYaml(src.text);
    } catch {
      continue;
    }
    const rules = (doc as { rules?: unknown } | undefined)?.rules;
    if (!Array.isArray(rules)) continue;
    for (const r of rules as Array<{ match?: unknown; unless?: unknown; flags?: unknown }>) {
      if (typeof r?.match !== 'string') continue;
      try {
        const flags = typeof r.flags === 'string' ? r.flags : '';
        const re = new RegExp(r.match, flags);
        keys.add(regexKey(re.source, typeof r.unless === 'string' ? new RegExp(r.unless, flags).source : undefined, re.flags));
      } catch {
        // a shipped rule that does not compile is reported by its own load
      }
    }
  }
  return keys;
}

/** Parses, validates and compiles; throws RuleSetError listing every problem. */
export function compileRuleSet(sources: PatternSource[]): RuleSet {
  const errors: RuleError[] = [];
  const parsed: ParsedSource[] = [];
  for (const src of sources) {
    try {
      const doc = src.doc !== undefined ? src.doc : src.name.endsWith('.json') ? JSON.parse(src.text) : parseYaml(src.text, { prettyErrors: true, uniqueKeys: true });
      parsed.push({ name: src.name, doc });
    } catch (err) {
      errors.push(new RuleError(src.name, undefined, `not valid ${src.name.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`));
    }
  }
  // Shapes are always checked; regex risks and examples (most of the start-up time) only when not done at build time.
  return compileParsed(parsed, errors, { verified: sources.every((s) => s.verified) });
}
