// The operator policy allows every AWS call `fleet scan` makes (read from the code, so a new call without a
// policy change fails here), on the documents and resources the README tells operators to use.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

interface Statement { Effect: string; Action: string | string[]; Resource: string | string[] }
const policy = JSON.parse(readFileSync('iam/operator-policy.json', 'utf8')) as { Version: string; Statement: Statement[] };
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const allowed = (action: string): string[] =>
  policy.Statement.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action)).flatMap((s) => list(s.Resource));

/** `new XxxCommand(` in a file, with the service from the file's `@aws-sdk/client-*` import. */
function callsIn(dir: string): string[] {
  const out = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const service = /from '@aws-sdk\/client-(ssm|ecs)'/.exec(text)?.[1];
    for (const m of text.matchAll(/new (\w+)Command\(/g)) if (service) out.add(`${service}:${m[1]}`);
  }
  return [...out].sort();
}

describe('iam/operator-policy.json', () => {
  it('is a valid policy document', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of list(s.Action)) expect(a).toMatch(/^(ssm|ecs|logs):[A-Z][A-Za-z]+$/);
      for (const r of list(s.Resource)) expect(r).toMatch(/^(\*|arn:aws:(ssm|ec2|ecs|logs):)/);
    }
  });

  it('allows every call the fleet code makes', () => {
    const calls = callsIn('src/fleet');
    expect(calls).toEqual([
      'ecs:DescribeContainerInstances',
      'ecs:ListContainerInstances',
      'ssm:DescribeInstanceInformation',
      'ssm:GetCommandInvocation',
      'ssm:ListCommandInvocations',
      'ssm:ListCommands',
      'ssm:SendCommand',
    ]);
    for (const c of calls) expect(allowed(c), c).not.toEqual([]);
  });

  it('scopes SendCommand to the documents fleet scan uses and to instances', () => {
    const r = allowed('ssm:SendCommand');
    expect(r).toContain('arn:aws:ssm:*::document/AWS-RunShellScript');
    expect(r).toContain('arn:aws:ssm:*:*:document/ecs-triage-Scan');
    expect(r).toContain('arn:aws:ec2:*:*:instance/*');
    expect(r).not.toContain('*');
    expect(r.filter((x) => x.includes(':document/')).every((x) => /document\/(AWS-RunShellScript|ecs-triage-)/.test(x))).toBe(true);
  });

  it('allows Logs Insights queries on the events log group only', () => {
    expect(allowed('logs:StartQuery').every((r) => r.includes('log-group:/ecs-triage/events'))).toBe(true);
    expect(allowed('logs:GetQueryResults')).toEqual(['*']);
  });
});
