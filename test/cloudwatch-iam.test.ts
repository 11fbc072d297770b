// The shipped IAM policies grant exactly what the sink and the query commands call, scoped to the events log group.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { defaultConfig } from '../src/config.js';

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string | string[];
}

async function load(file: string): Promise<Statement[]> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as { Version: string; Statement: Statement[] };
  expect(doc.Version).toBe('2012-10-17');
  return doc.Statement;
}

describe('IAM policies', () => {
  it('instance role: the four write calls the sink makes, only on the events log group', async () => {
    const st = await load('iam/instance-role-policy.json');
    const actions = st.flatMap((s) => s.Action).sort();
    expect(actions).toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:PutRetentionPolicy']);
    for (const s of st) {
      expect(s.Effect).toBe('Allow');
      for (const r of ([] as string[]).concat(s.Resource)) expect(r).toMatch(new RegExp(`^arn:aws:logs:\\*:\\*:log-group:${defaultConfig().cloudwatch.logGroup}(:|$)`));
    }
  });

  it('operator: the Insights calls of `queries install` and `insights`', async () => {
    const st = await load('iam/operator-insights-policy.json');
    expect(st.flatMap((s) => s.Action).sort()).toEqual([
      'logs:DescribeQueryDefinitions',
      'logs:GetQueryResults',
      'logs:PutQueryDefinition',
      'logs:StartQuery',
      'logs:StopQuery',
    ]);
  });
});
