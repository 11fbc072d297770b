// Secrets never leave the host: every line that is printed to a shared place or shipped passes through here.
// The programs we read print a secret in many escapings: bare (env, ini, CLI), inside a Go %q string (logfmt
// fields: `\"`), JSON inside such a string (`{\"auth\":\"…\"}`), that again inside a journal export (`\\\"`),
// JSON with Go's HTML escapes (`\u0026`), URL-encoded (`%22`, `%3D`), and base64 (docker auths). So a label is
// never anchored with `\b` (it fails after `\n`, `\u0026` or an underscore), a quote is any run of backslashes
// before `"` or `'` (or `%22`), and a quoted value ends only at the same quote, however the password is made.
// The corpus in test/secrets/ holds every form, and test/secrets-outputs.test.ts checks every output path.

const MASK = '[REDACTED]';

/** A quote as the programs print one: bare, escaped once or more by nested Go/JSON quoting, or URL-encoded. */
const QUOTE = String.raw`(?:\\*["']|%22)`;
/** `=` or `:`, also URL-encoded. */
const SEP = String.raw`(?:[:=]|%3[aAdD])`;
/**
 * An unquoted value: up to whitespace, a quote, an escape (`\n`, `\"`) or the next `&name=` query parameter.
 * An escaped backslash and Go's `\u00XX` escapes stay inside (a password may hold `\`, `&`, `<`).
 */
const BARE = String.raw`(?:[^\s"'\\&]|\\(?:\\|u00(?!26[\w.-]{1,64}=)[0-9a-fA-F]{2})|&(?![\w.-]{1,64}=))+`;
/** A quoted value: everything up to the same quote (`\k<q>` not preceded by one more backslash). */
const QUOTED = String.raw`(?<q>${QUOTE})(?<quoted>(?:(?!(?<!\\)\k<q>).)*)`;
/** After `name: ` a value must look like a secret (8+ characters, a digit): `token: unexpected status` is prose. */
const SECRETISH = String.raw`(?=[^\s"'\\&]*\d)[^\s"'\\&]{8,}`;
/** How `name` meets its value: `"name":`, `name=`, `name:value`, or `name: ` before a quote or a secret-like word. */
const ASSIGN = String.raw`(?:${QUOTE}\s*${SEP}\s*|\s*(?:=|%3[dD])\s*|:(?![\s/])|:\s+(?=${QUOTE}|${SECRETISH}))`;

/** Names whose value is a secret wherever they appear, as a whole key or its end (`registry_password`, `AWS_SESSION_TOKEN`). */
const SECRET_NAMES = String.raw`(?:pass(?:word|wd|phrase)|pwd|secret(?:[_-]?access)?(?:[_-]?key)?|token|auth|api[_-]?key|private[_-]?key)`;

interface SecretRule {
  /** What the rule removes (README "Redaction" lists them all). */
  what: string;
  /** Named groups: `secret` (or `quoted`) is replaced, `pre` and `post` are kept. */
  re: RegExp;
  /** A check on the candidate that the regex cannot express; false leaves the text as it is. */
  accept?: (secret: string, groups: Record<string, string | undefined>) => boolean;
  /** Replaces the secret; default MASK. */
  mask?: string;
}

// Earlier rules win: later ones skip what is already `[REDACTED…]`. Labelled forms come first (they know where
// a value ends), shapes that need no label after them.
const SECRET_RULES: readonly SecretRule[] = [
  {
    what: 'PEM private key blocks (RSA, EC, OpenSSH, PKCS#8, encrypted), with real, escaped or URL-encoded newlines and spaces; to the END line, or to the end of the text when it was cut',
    re: /(?<pre>-----BEGIN(?:[ +]|%20)(?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED)(?:[ +]|%20))?PRIVATE(?:[ +]|%20)KEY-----)(?<secret>[\s\S]*?)(?<post>-----END(?:[ +]|%20)(?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED)(?:[ +]|%20))?PRIVATE(?:[ +]|%20)KEY-----|$)/g,
  },
  {
    what: 'a secret access key in an unlabelled credentials triple (Go %v of a credentials value): 40 characters after an access key id',
    re: /(?<=(?:AKIA|ASIA)[A-Z0-9]{16}[\s,;:|"'\\]{1,6})(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g,
  },
  {
    what: 'passwords in URLs (scheme://user:password@host)',
    // A scheme starts a word and is short: otherwise each letter of a long word would start a scan to its end.
    re: new RegExp(String.raw`(?<pre>(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@"'\\]{0,256}:)(?!\[REDACTED)(?<secret>[^\s/"'\\]{1,1024})(?<post>@)`, 'gi'),
  },
  {
    what: 'passwords in image references and proxies written without a scheme (user:password@registry.example.com/…)',
    // Only before a host name with a dot and then a path: `name:tag@sha256:…` is a digest, `mailto:a@b.c` no URL.
    re: /(?<pre>(?<![\w.~%+:/-])[\w.~%+-]{1,64}:)(?!\[REDACTED)(?<secret>[^\s@/:"'\\]{1,256})(?<post>@[\w-]{1,63}(?:\.[\w-]{1,63})+(?::\d{1,5})?\/)/g,
  },
  {
    what: 'Authorization and Proxy-Authorization values (the scheme is kept; SigV4 headers keep their structure)',
    re: new RegExp(
      String.raw`(?<pre>authorization(?<kq>${QUOTE})?\s*${SEP}(?<gap>\s*)\[?(?<vq>${QUOTE})?(?:(?<scheme>basic|bearer|token|jwt|digest|negotiate|ntlm|aws4-hmac-sha256)\s+)?)(?!\[REDACTED)(?<secret>[^\s"'\\,}\]]+)`,
      'gi',
    ),
    accept: (secret, g) =>
      g.scheme?.toLowerCase() !== 'aws4-hmac-sha256' &&
      // A scheme alone is no secret: `Bearer [REDACTED]` (a value already masked) keeps its scheme.
      !/^(?:basic|bearer|token|jwt|digest|negotiate|ntlm)$/i.test(secret) &&
      // `may require authorization: server message: …` is wording, not a header.
      (g.kq !== undefined || g.vq !== undefined || g.scheme !== undefined || g.gap === '' || (secret.length >= 8 && /\d/.test(secret))),
  },
  {
    what: 'secret access keys after a label in prose (`secret key XXXX`): 40 characters',
    re: new RegExp(String.raw`(?<pre>(?:aws_?)?secret[_\s-]?(?:access[_\s-]?)?key(?:_?id)?${QUOTE}?(?:\s*[:=]|\s)\s*${QUOTE}?)(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`, 'gi'),
  },
  {
    what:
      'values of keys named password, passwd, passphrase, pwd, secret, *secret_access_key, token (access_token, SessionToken, ' +
      'authorizationToken, identitytoken, registrytoken, X-Amz-Security-Token, X-aws-ec2-metadata-token …), auth (docker ' +
      '`auths`, X-Registry-Auth), api_key, private_key: JSON, logfmt, env, ini, query strings, Go %+v, at any escaping level',
    // `(?<!:)`: `arn:…:secret:name` is an ARN, not a key. A value an earlier rule masked is skipped before the
    // optional `[`, or `KEY=[REDACTED]` would become `KEY=[[REDACTED]`.
    re: new RegExp(String.raw`(?<pre>(?<!:)${SECRET_NAMES}${ASSIGN}(?!\[REDACTED)\[?)(?:${QUOTED}|(?![{\[]|arn:|\[REDACTED)(?<secret>${BARE}))`, 'gi'),
  },
  {
    what: '`--password VALUE` and `docker login -p VALUE` arguments',
    // `(?!via )`: the docker CLI's own warning, "Using --password via the CLI is insecure".
    re: /(?<pre>(?:^|\s)--password\s+|\blogin\b[^\n]{0,80}?\s-p(?:=|\s+))(?![-[]|via\s)(?<secret>\S+)/gi,
  },
  {
    what: 'AWS access key ids (AKIA, ASIA, ABIA, ACCA)',
    re: /(?<=^|[^A-Z0-9]|%[0-9A-Fa-f]{2}|\\[nrt]|\\u[0-9A-Fa-f]{4})(?<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Z0-9])/g,
    mask: '[REDACTED-AKID]',
  },
  {
    what: 'AWS session tokens without a label, by their STS prefixes (also URL-encoded)',
    re: /(?<secret>(?:IQoJb3JpZ2lu|AgoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AQoDYXdz)[A-Za-z0-9/+=%]{20,})/g,
  },
  {
    what: 'SigV4 signatures (presigned URLs and Authorization headers)',
    re: /(?<pre>(?:X-Amz-)?Signature(?:=|%3D))(?<secret>[0-9a-f]{64})/gi,
  },
  {
    what: 'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), Docker Hub (dckr_pat_, dckr_oat_) and GitLab (glpat-) access tokens; the prefix is kept',
    re: /(?<pre>gh[pousr]_|github_pat_|dckr_(?:pat|oat)_|glpat-)(?<secret>[A-Za-z0-9_-]{16,})/g,
  },
  {
    what: 'JSON Web Tokens (registry bearer tokens, OIDC tokens)',
    re: /(?<secret>eyJ(?<![A-Za-z0-9_-]{32}eyJ)[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)/g,
  },
  {
    what: '`Basic` credentials without a header name, when they decode to user:password',
    re: /(?<pre>(?<![A-Za-z])basic\s+)(?!\[REDACTED)(?<secret>[A-Za-z0-9+/]{6,}={0,2})/gi,
    accept: (secret) => decodesToCredential(secret),
  },
  {
    what: '`Bearer` credentials without a header name (16 characters or more)',
    re: /(?<pre>(?<![A-Za-z])bearer\s+)(?!realm\b|\[REDACTED)(?<secret>[A-Za-z0-9._~+/-]{16,}=*)/gi,
  },
];

/** The table's regexes, for the tests that hold them to the rule-safety checks (classify/redos.ts, stress.ts). */
export function redactionPatterns(): RegExp[] {
  return SECRET_RULES.map((r) => r.re);
}

/** Shorter base64 cannot hold a credential worth finding without a label; longer is data (ECR tokens are ~2 KB). */
const MIN_ENCODED = 16;
const MAX_ENCODED = 16 * 1024;

function isBase64Char(c: number): boolean {
  // A-Z a-z 0-9 + / and the URL-safe - _
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 45 || c === 95;
}

/**
 * Base64 (standard or URL-safe) that decodes to `user:password` or to JSON holding a password, token or auth:
 * docker `auth` values, ECR tokens and X-Registry-Auth headers printed without their key. Such a value carries
 * no trigger word, so every text is walked; a loop over char codes, because a regex for runs of a class costs
 * ten times more per character in V8.
 */
function maskEncodedCredentials(text: string, removed: string[] | undefined): string {
  let out: string | undefined;
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    if (!isBase64Char(text.charCodeAt(i))) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < n && isBase64Char(text.charCodeAt(j))) j += 1;
    let end = j;
    while (end < n && end - j < 2 && text.charCodeAt(end) === 61 /* = */) end += 1;
    if (j - i >= MIN_ENCODED && j - i <= MAX_ENCODED && (end >= n || !isBase64Char(text.charCodeAt(end))) && text.charCodeAt(end) !== 61) {
      const candidate = text.slice(i, end);
      if (decodesToCredential(candidate)) {
        removed?.push(candidate);
        out = (out ?? '') + text.slice(last, i) + MASK;
        last = end;
      }
    }
    i = end > j ? end : j;
  }
  return out === undefined ? text : out + text.slice(last);
}

// A text without one of these (case-insensitive) can only hold an encoded credential; most log lines hold none.
const GATE =
  /AKIA|ASIA|ABIA|ACCA|IQoJb3JpZ2lu|AgoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AQoDYXdz|secret|token|auth|pass|pwd|signature|api.?key|private|login|gh[pousr]_|github_pat_|dckr_|glpat-|eyJ|basic|bearer|:\/\/[^\s/@]*:|(?<=[^\s@/])@[\w-]{1,63}\./i;

function decodesToCredential(b64: string): boolean {
  // Node's base64 decoder takes the URL-safe alphabet too.
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length < 4) return false;
  let colon = -1;
  for (let k = 0; k < bytes.length; k++) {
    const c = bytes[k]!;
    if (c < 0x20 || c > 0x7e) return false; // binary: most base64-looking words end here, at once
    if (c === 0x3a && colon < 0) colon = k;
  }
  if (bytes[0] === 0x7b /* { */) return /"(?:[\w-]*(?:password|secret|token|auth)|payload|datakey)"\s*:/i.test(bytes.toString('latin1'));
  // user:password, the user without spaces
  return colon > 0 && colon < bytes.length - 1 && !bytes.subarray(0, colon).includes(0x20);
}

function apply(text: string, rule: SecretRule, removed: string[] | undefined): string {
  return text.replace(rule.re, (match: string, ...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    const secret = groups.quoted ?? groups.secret;
    if (!secret || (rule.accept && !rule.accept(secret, groups))) return match;
    removed?.push(secret);
    return `${groups.pre ?? ''}${groups.q ?? ''}${rule.mask ?? MASK}${groups.post ?? ''}`;
  });
}

function redactCollecting(text: string, removed?: string[]): string {
  let out = text;
  if (GATE.test(text)) for (const rule of SECRET_RULES) out = apply(out, rule, removed);
  return maskEncodedCredentials(out, removed);
}

// Field values (images, task ARNs, container names) repeat across thousands of findings of one cause, and
// scan redacts each as it is collected: short texts are remembered, a bounded number of them.
const memo = new Map<string, string>();
const MEMO_MAX_CHARS = 256;
const MEMO_MAX_ENTRIES = 4096;

export function redact(text: string): string {
  if (text.length > MEMO_MAX_CHARS) return redactCollecting(text);
  let out = memo.get(text);
  if (out === undefined) {
    out = redactCollecting(text);
    if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
    memo.set(text, out);
  }
  return out;
}

/**
 * Every string field redacted; other values as they are. With `line` (the line the fields were extracted
 * from), a field that holds only part of a secret found in the line (a capture that began after the label, or
 * was cut in the middle) is masked too.
 */
export function redactFields<T extends Record<string, unknown>>(fields: T, line?: string): T {
  return lineRedaction(line, fields).fields;
}

/** The texts made from one line: its fields, and texts that repeat their values. */
export interface LineRedaction<T> {
  /** Every string field redacted, and masked where it holds a piece of a secret of the line. */
  fields: T;
  /**
   * A text built from the line's fields (a remediation step filled from a template, an event's message):
   * redacted, with each field value the line's secrets made the fields mask replaced by its masked form,
   * wherever in the text it was copied, and the head or tail of a secret masked.
   */
  text(t: string): string;
}

/**
 * Redaction for one line's fields and the texts built from them. The line is searched once for the secrets it
 * holds; without a line, fields and texts are redacted on their own.
 */
export function lineRedaction<T extends Record<string, unknown>>(line: string | undefined, fields: T): LineRedaction<T> {
  const found: string[] = [];
  if (line !== undefined) redactCollecting(line, found);
  const secrets = found.filter((s) => s.length >= MIN_OVERLAP);
  const out: Record<string, unknown> = {};
  // Raw field value → its masked form, for the values redaction changed: a text that copied the raw value
  // (a filled template) gets the masked one, even where the value sits mid-sentence.
  const changed = new Map<string, string>();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v !== 'string') {
      out[k] = v;
      continue;
    }
    const masked = secrets.length > 0 ? maskPieces(redact(v), secrets) : redact(v);
    if (masked !== v && v !== '') changed.set(v, masked);
    out[k] = masked;
  }
  // Longest first: a value that contains another is replaced whole.
  const swaps = [...changed].sort((a, b) => b[0].length - a[0].length);
  return {
    fields: out as T,
    text(t: string): string {
      let raw = t;
      for (const [v, masked] of swaps) if (raw.includes(v)) raw = raw.split(v).join(masked);
      const clean = redact(raw);
      return secrets.length > 0 ? maskPieces(clean, secrets) : clean;
    },
  };
}

/** Shorter shared runs could be chance (a `:443` in a URL and in a password). */
const MIN_OVERLAP = 6;

/** Masks each secret in `text`, and a head or tail of `text` that is the tail or head of a secret. */
function maskPieces(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(MASK);
    for (let k = Math.min(s.length, out.length) - 1; k >= MIN_OVERLAP; k--) {
      if (out.endsWith(s.slice(0, k))) {
        out = out.slice(0, out.length - k) + MASK;
        break;
      }
    }
    for (let k = Math.min(s.length, out.length) - 1; k >= MIN_OVERLAP; k--) {
      if (out.startsWith(s.slice(s.length - k))) {
        out = MASK + out.slice(k);
        break;
      }
    }
  }
  return out;
}

/** Longer than any secret: what lies this far past the cut cannot reach into what is kept. */
const CUT_MARGIN = 16 * 1024;

/**
 * Redacts first, then cuts: a secret cut in half no longer matches its pattern and would leak its head. Only
 * the part that can reach the kept text is redacted, so a 1 MiB line costs no more than a short one.
 */
export function redactAndCut(text: string, max: number, ellipsis = '…'): string {
  const precut = text.length > max + CUT_MARGIN;
  const clean = redact(precut ? text.slice(0, max + CUT_MARGIN) : text);
  return precut || clean.length > max ? clean.slice(0, Math.max(0, max - ellipsis.length)) + ellipsis : clean;
}
