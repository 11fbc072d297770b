// iam/operator-task-policy.json grants exactly what `task` calls (read from the code: a new call without a policy
// change fails here), every action read-only except ssm:SendCommand for the host join, scoped to AWS-RunShellScript.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

interface Statement { Effect: string; Action: string | string[]; Resource: string | string[] }
const policy = JSON.parse(readFileSync('iam/operator-task-policy.json', 'utf8')) as { Version: string; Statement: Statement[] };
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const actions = policy.Statement.flatMap((s) => list(s.Action));

/** The IAM prefix of each SDK client package. */
const PREFIX: Record<string, string> = { ecs: 'ecs', ecr: 'ecr', iam: 'iam', kms: 'kms', 'secrets-manager': 'secretsmanager', ssm: 'ssm' };

/** `new XxxCommand(` per file, with the service from the file's `@aws-sdk/client-*` import; EC2 Query calls by name. */
function callsIn(files: string[]): string[] {
  const out = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const serviceOf = new Map<string, string>();
    for (const imp of text.matchAll(/import \{([^}]*)\} from '@aws-sdk\/client-([a-z-]+)'/g)) {
      for (const name of imp[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) if (name) serviceOf.set(name, imp[2]!);
    }
    for (const m of text.matchAll(/new (\w+)Command\(/g)) {
      const service = serviceOf.get(`${m[1]}Command`);
      if (!service) throw new Error(`${file}: ${m[1]}Command is not imported from an @aws-sdk/client-* package`);
      out.add(`${PREFIX[service]}:${m[1]}`);
    }
    for (const m of text.matchAll(/\.(?:call|paginate)\('(Describe\w+)'/g)) out.add(`ec2:${m[1]}`);
  }
  return [...out].sort();
}

const dir = (d: string): string[] => readdirSync(d).filter((n) => n.endsWith('.ts')).map((n) => path.join(d, n));

describe('iam/operator-task-policy.json', () => {
  it('is a valid policy document of Allow statements', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of list(s.Action)) expect(a).toMatch(/^(ecs|ecr|iam|ec2|secretsmanager|ssm|kms):[A-Z][A-Za-z]+$/);
    }
    expect(new Set(actions).size).toBe(actions.length);
  });

  it('allows exactly the calls task makes (its own modules, and the fleet code it reuses for the host join)', () => {
    const calls = callsIn([...dir('src/task'), ...dir('src/verify'), 'src/fleet/send.ts', 'src/fleet/poll.ts']);
    expect([...actions].sort()).toEqual(calls);
  });

  it('is read-only but for SendCommand, which runs only AWS-RunShellScript on instances', () => {
    for (const a of actions.filter((x) => x !== 'ssm:SendCommand')) expect(a).toMatch(/:(Describe|Get|List|Simulate|BatchGetImage$)/);
    const send = policy.Statement.filter((s) => list(s.Action).includes('ssm:SendCommand')).flatMap((s) => list(s.Resource));
    expect(send.sort()).toEqual(['arn:aws:ec2:*:*:instance/*', 'arn:aws:ssm:*::document/AWS-RunShellScript']);
  });
});
