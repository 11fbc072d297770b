// Secrets never leave the host: every line that is printed to a shared place or shipped passes through here.
// It runs on every shipped event, so a cheap case-insensitive gate decides first whether any rule can apply;
// most log lines contain none of the trigger words and are returned untouched.
// Samples for each rule are in test/redact.test.ts.

const MASK = '[REDACTED]';

// Words or prefixes that every secret form below contains. If none is present, no rule can match.
const GATE = /AKIA|ASIA|ABIA|ACCA|IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|secret|token|auth|passw|pwd|signature|credential|:\/\/[^\s/@]*:|login/i;

const RULES: Array<[RegExp, string]> = [
  // AWS access key ids (long-term AKIA, temporary ASIA, and the less common ABIA/ACCA).
  [/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g, '[REDACTED-AKID]'],
  // Secret access keys: 40 base64 characters after a secret-key label (ini, env, JSON, logfmt, prose).
  [
    /((?:aws_?)?secret[_\s-]?(?:access[_\s-]?)?key(?:_?id)?["']?\s*(?:[:=]|\s)\s*["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
    `$1${MASK}`,
  ],
  // Session tokens: after a label, and bare STS tokens by their well-known base64 prefixes.
  [
    /((?:aws_?)?(?:session_?token|security_?token|x-amz-security-token)["']?\s*(?:[:=]|\s)\s*["']?)[A-Za-z0-9/+=%]{16,}/gi,
    `$1${MASK}`,
  ],
  [/\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{20,}/g, MASK],
  // Presigned URLs and SigV4 headers: the signature.
  [/((?:X-Amz-)?Signature=)[0-9a-f]{64}/gi, `$1${MASK}`],
  // Authorization headers (HTTP dumps, logfmt, JSON): keep the scheme, mask the credential.
  [
    /(\bauthorization["']?\s*[:=]\s*["']?(?:(?:basic|bearer|token|jwt)\s+)?)(?!AWS4-HMAC-SHA256)[^\s"',}]+/gi,
    `$1${MASK}`,
  ],
  // Docker: X-Registry-Auth header (base64url JSON), docker config.json "auth", identity and registry tokens.
  [/(x-registry-auth["']?\s*[:=]\s*["']?)[A-Za-z0-9+/=_-]{8,}/gi, `$1${MASK}`],
  [/("(?:auth|identitytoken|registrytoken)"\s*:\s*")[^"]+/gi, `$1${MASK}`],
  // ECR GetAuthorizationToken answers (JSON and CLI text) and the docker login they feed.
  [/(authorizationToken["']?\s*[:=]\s*["']?)[A-Za-z0-9+/=]{8,}/gi, `$1${MASK}`],
  // Passwords: JSON ("password": "…", ECS_ENGINE_AUTH_DATA), logfmt/env (password=…), CLI flags.
  [/("(?:password|passwd|pwd)"\s*:\s*")(?:[^"\\]|\\.)*/gi, `$1${MASK}`],
  [/(\b(?:password|passwd|pwd)=)[^\s"'&,;]+/gi, `$1${MASK}`],
  [/((?:^|\s)--password(?:=|\s+))(?!-)\S+/gi, `$1${MASK}`],
  [/(\blogin\b[^\n]*?\s-p(?:=|\s+))(?!-)\S+/gi, `$1${MASK}`],
  // Passwords in URLs: scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${MASK}@`],
];

export function redact(text: string): string {
  if (!GATE.test(text)) return text;
  let out = text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement);
  return out;
}

/** Every string field redacted; other values as they are. */
export function redactFields<T extends Record<string, unknown>>(fields: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = typeof v === 'string' ? redact(v) : v;
  return out as T;
}

/** Redacts first, then cuts: a secret cut in half no longer matches its pattern and would leak its head. */
export function redactAndCut(text: string, max: number, ellipsis = '…'): string {
  const clean = redact(text);
  return clean.length > max ? clean.slice(0, Math.max(0, max - ellipsis.length)) + ellipsis : clean;
}
