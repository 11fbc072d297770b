// Secrets never leave the host: every line that is printed to a shared place or shipped passes through here.
// Owned by the CloudWatch issue; each pattern has real-looking samples in test/redact.test.ts.

const RULES: Array<[RegExp, string]> = [
  // AWS access key ids (long-term AKIA, temporary ASIA).
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[REDACTED-AKID]'],
  // `Authorization: Basic …` / `Bearer …` headers and logfmt/JSON forms of them.
  [/(authorization["']?\s*[:=]\s*["']?(?:basic|bearer|aws4-hmac-sha256)?\s*)[^\s"',]+/gi, '$1[REDACTED]'],
  // Passwords in URLs: scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, '$1[REDACTED]@'],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement);
  return out;
}
