// Which rule of an ECR lifecycle policy selects a tag. ECR applies the rules in rulePriority order and an image is
// handled by the first rule that selects it, so the first rule selecting a missing tag is the one that would have
// expired it. Pure: the policy text and the images still in the repository in, the rule and its reading out.

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any';
    tagPrefixList?: string[];
    tagPatternList?: string[];
    countType: 'imageCountMoreThan' | 'sinceImagePushed' | string;
    countUnit?: string;
    countNumber: number;
  };
  action?: { type?: string };
}

export interface RemainingImage {
  tags: string[];
  pushedAt?: string;
}

export interface RuleMatch {
  rule: LifecycleRule;
  /** The rule in words, e.g. `rule 1 "Keep only last 10 tagged images": images tagged v*, keeps the 10 newest`. */
  reading: string;
  /** What the repository holds now under that rule. */
  now: string;
}

export function parseLifecyclePolicy(text: string): LifecycleRule[] {
  const doc = JSON.parse(text) as { rules?: LifecycleRule[] };
  return (doc.rules ?? []).filter((r) => r && typeof r.rulePriority === 'number' && r.selection).sort((a, b) => a.rulePriority - b.rulePriority);
}

function wildcard(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);
}

/** Whether a rule's selection takes an image carrying this tag (undefined tag: an untagged image, as a digest pull). */
export function selects(rule: LifecycleRule, tag: string | undefined): boolean {
  const s = rule.selection;
  if (s.tagStatus === 'any') return true;
  if (s.tagStatus === 'untagged') return tag === undefined;
  if (tag === undefined) return false;
  if (s.tagPrefixList?.length) return s.tagPrefixList.some((p) => tag.startsWith(p));
  if (s.tagPatternList?.length) return s.tagPatternList.some((p) => wildcard(p, tag));
  return false;
}

function describeSelection(rule: LifecycleRule): string {
  const s = rule.selection;
  const which =
    s.tagStatus === 'any'
      ? 'all images'
      : s.tagStatus === 'untagged'
        ? 'untagged images'
        : `images tagged ${[...(s.tagPrefixList ?? []).map((p) => `${p}*`), ...(s.tagPatternList ?? [])].join(' or ')}`;
  const keep =
    s.countType === 'imageCountMoreThan'
      ? `keeps the ${s.countNumber} newest and expires the rest`
      : s.countType === 'sinceImagePushed'
        ? `expires them ${s.countNumber} ${s.countUnit ?? 'days'} after push`
        : `${s.countType} ${s.countNumber}`;
  return `${which}, ${keep}`;
}

export function matchingRule(rules: LifecycleRule[], tag: string | undefined, remaining: RemainingImage[]): RuleMatch | undefined {
  const rule = rules.find((r) => (r.action?.type ?? 'expire') === 'expire' && selects(r, tag));
  if (!rule) return undefined;
  const selected = remaining.filter((img) => (img.tags.length ? img.tags.some((t) => selects(rule, t)) : selects(rule, undefined)));
  const oldest = selected.map((i) => i.pushedAt).filter((p): p is string => !!p).sort()[0];
  return {
    rule,
    reading: `rule ${rule.rulePriority}${rule.description ? ` "${rule.description}"` : ''}: ${describeSelection(rule)}`,
    now: `${selected.length} image(s) in the repository fall under it now${oldest ? `, the oldest pushed ${oldest}` : ''}`,
  };
}
