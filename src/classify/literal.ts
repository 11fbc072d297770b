// A rule's literal: a string every line the rule can match must contain. A rule with the `i` flag matches
// its literals ignoring ASCII case (messages whose first letter changed case between versions of a
// program), so every place that tests a literal goes through here and no path can disagree on case.

export interface Literal {
  /** As written in the rule file; lower-cased when `fold` is set. */
  readonly text: string;
  /** Match ignoring ASCII case. */
  readonly fold: boolean;
}

/** The identity of a literal in a set: the same text with and without folding are two literals. */
export function literalKey(l: Literal): string {
  return l.fold ? `i:${l.text}` : `s:${l.text}`;
}

export function makeLiteral(text: string, fold: boolean): Literal {
  return { text: fold ? text.toLowerCase() : text, fold };
}

/** Lower-cases ASCII letters only (the literals are ASCII; other characters must compare as they are). */
export function foldAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export function containsLiteral(text: string, literal: string, fold: boolean): boolean {
  return fold ? foldAscii(text).includes(literal.toLowerCase()) : text.includes(literal);
}
