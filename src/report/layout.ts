// Text laid out for a terminal or the SSM console at a given width. The width rule (README, "Reading the
// report"): text is wrapped at spaces, and a line is longer than the width only when, after its indentation
// and a list marker (`- `, `3. `), it holds one unbreakable token — a word without spaces (a URL, an ARN, an
// image reference) or a shell command, which is kept whole so it can be copied and pasted as it is.

/** The width when standard output is not a terminal (the SSM console, a file, a pipe). */
export const DEFAULT_WIDTH = 80;
/** Narrower terminals are laid out at this width: below it the columns no longer fit. */
export const MIN_WIDTH = 40;

/** Programs the remediation steps name: a command starts with one of them. */
const PROGRAMS = new Set([
  'aws', 'docker', 'sudo', 'systemctl', 'journalctl', 'curl', 'grep', 'ecs-triage', 'du', 'df', 'ls', 'cat', 'dig',
  'nslookup', 'getent', 'openssl', 'uname', 'ldd', 'jq', 'ip', 'ss', 'iptables', 'truncate', 'find', 'stat', 'mount',
  'findmnt', 'lsblk', 'sysctl', 'dmesg', 'ps', 'tail', 'head', 'nc', 'timeout', 'yum', 'dnf', 'rpm', 'ctr', 'crictl',
]);
/** Words after which a program name starts a command rather than being prose ("the docker daemon"). */
const LEAD_INS = new Set(['or', 'and', 'then', 'run', 'Run', 'with', 'host', 'use', 'Use', 'try', 'Try', 'e.g.']);
/** Prose words that end a command ("… --output text and compare …"). */
const JOINERS = new Set(['and', 'or', 'then']);

/** The program a word names when it starts a command: `aws`, `(docker`, `` `sudo ``, `TOKEN=$(curl`. */
export function programOf(word: string): string | undefined {
  const bare = word.replace(/^[(`]|^[A-Z_]+=\$\(/, '');
  return PROGRAMS.has(bare) ? bare : undefined;
}

function startsCommand(words: readonly string[], i: number): boolean {
  if (!programOf(words[i]!) || i + 1 >= words.length) return false;
  if (i === 0 || /^[(`]/.test(words[i]!)) return true;
  const prev = words[i - 1]!;
  return /[:;]$/.test(prev) || LEAD_INS.has(prev);
}

/** Updates the open quote after a word: `'`, `"`, or none. */
function quoteAfter(word: string, open: string | undefined): string | undefined {
  let q = open;
  for (const ch of word) {
    if (q === undefined && (ch === "'" || ch === '"')) q = ch;
    else if (ch === q) q = undefined;
  }
  return q;
}

/**
 * The text as units that are never split: its words, except that a shell command (from a program name to the
 * end of the step, a word ending in `;` `,` or `:`, a sentence's full stop, an `and`/`or`/`then`, or a parenthesis
 * not its own) is one unit.
 */
export function units(text: string): string[] {
  const words = text.split(' ').filter((w) => w !== '');
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!startsCommand(words, i)) {
      out.push(words[i]!);
      continue;
    }
    const opener = words[i]![0];
    let quote = quoteAfter(words[i]!, undefined);
    let j = i + 1;
    const ends = (w: string): boolean => (opener === '(' && /\)[.,;]?$/.test(w)) || (opener === '`' && /`[.,;]?$/.test(w));
    if (!ends(words[i]!)) {
      for (; j < words.length; j++) {
        const w = words[j]!;
        if (quote === undefined && (JOINERS.has(w) || (w.startsWith('(') && !w.startsWith('$(')))) break;
        quote = quoteAfter(w, quote);
        // A full stop before a capital ends the sentence, and the command with it: `… is-active docker. The agent …`.
        const sentenceEnd = /\.$/.test(w) && /^[A-Z]/.test(words[j + 1] ?? '');
        if (quote === undefined && (ends(w) || /[;,:]$/.test(w) || sentenceEnd)) {
          j += 1;
          break;
        }
      }
    }
    out.push(words.slice(i, j).join(' '));
    i = j - 1;
  }
  return out;
}

/**
 * Wraps text at `width`: the first line starts with `first` (e.g. `   1. `), the others with `rest` (spaces
 * under the text). Lines inside the text (`\n`) stay lines.
 */
export function wrap(text: string, width: number, first = '', rest = ' '.repeat(first.length)): string[] {
  const out: string[] = [];
  let prefix = first;
  for (const para of text.split('\n')) {
    let line = '';
    for (const unit of units(para)) {
      if (line === '' && prefix.length + unit.length > width && !isMarker(prefix)) {
        // A unit too long for what precedes it (table cells, say) starts its own line: the width rule.
        if (prefix.trim() !== '') out.push(prefix.trimEnd());
        prefix = rest;
      } else if (line !== '' && prefix.length + line.length + 1 + unit.length > width) {
        out.push(prefix + line);
        prefix = rest;
        line = '';
      }
      line = line === '' ? unit : `${line} ${unit}`;
    }
    out.push((prefix + line).trimEnd());
    prefix = rest;
  }
  return out;
}

/** Blank, or a list marker (`- `, `12. `): what may stand before an unbreakable token on its line. */
function isMarker(prefix: string): boolean {
  return /^\s*(?:(?:\d+\.|-)\s+)?$/.test(prefix);
}

/** Cuts one line to `width` with an ellipsis (for lines that must stay one line, like the index). */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1)).trimEnd()}…`;
}

/**
 * A table whose last column takes what is left of the width and wraps there; when too little is left
 * (under 30 columns), the last cell goes on the lines below, indented.
 */
export function table(rows: readonly string[][], width: number, indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const lead = indent.length + widths.reduce((n, w) => n + w + 2, 0);
  const room = width - lead;
  const out: string[] = [];
  for (const r of rows) {
    const head = indent + r.slice(0, -1).map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
    const last = r[r.length - 1] ?? '';
    if (r.length === 1) out.push(...wrap(last, width, indent));
    else if (room >= 30) out.push(...wrap(last, width, `${head}  `, ' '.repeat(lead)));
    else out.push(head.trimEnd(), ...wrap(last, width, `${indent}    `));
  }
  return out;
}
