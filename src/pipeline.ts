// The classify step shared by `scan` and `watch`: a raw line becomes a record, the record a finding.
// Sources before it and the aggregator and sinks after it differ between the two commands; this does not.
import type { Literal } from './classify/literal.js';
import type { RuleSet } from './classify/ruleset.js';
import { parseLine, type FormatName } from './formats/index.js';
import { LiteralSearch } from './search/literals.js';
import type { Finding, LogRecord, Origin, RecordSource } from './types.js';

export interface LineContext {
  source: RecordSource;
  format?: FormatName;
  origin?: Origin;
}

/** Journal entries whose MESSAGE is a byte array hide their text from literal search until decoded. */
export const JOURNAL_BYTE_MESSAGE = '"MESSAGE":[';

/** The classify step with the `--since` window: a line with an earlier timestamp of its own is left out. */
export function classifyRecord(rules: RuleSet, rec: LogRecord, since?: number): Finding | undefined {
  if (since !== undefined && rec.time !== undefined && rec.time < since) return undefined;
  return rules.classify(rec);
}

/** The rules' literals and the journal's byte-array marker: what makes a raw line worth parsing. */
export function nominatingSearch(rules: RuleSet, journal: boolean, extra: readonly Literal[] = []): LiteralSearch {
  if (!journal && extra.length === 0) return rules.search;
  return new LiteralSearch([...rules.literals, ...extra, ...(journal ? [{ text: JOURNAL_BYTE_MESSAGE, fold: false }] : [])]);
}

export class LineClassifier {
  private readonly search: LiteralSearch;

  constructor(readonly rules: RuleSet) {
    this.search = nominatingSearch(rules, true);
  }

  /** Quick test on the raw text: can any rule match this line at all? One pass, whatever the number of literals. */
  mayMatch(text: string): boolean {
    return this.search.test(text);
  }

  /** Parse and classify one raw line; `since` leaves out lines with an earlier timestamp of their own. */
  line(text: string, ctx: LineContext, since?: number): Finding | undefined {
    if (!this.mayMatch(text)) return undefined;
    return classifyRecord(this.rules, parseLine(text, ctx), since);
  }

  record(rec: LogRecord, since?: number): Finding | undefined {
    return classifyRecord(this.rules, rec, since);
  }
}
