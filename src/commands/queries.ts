// `ecs-triage queries list|install`: the Logs Insights query pack. `install` saves every query as a query
// definition in the `ecs-triage/` folder of the console, updating the ones already there (matched by name).
// The SDK is imported inside the action: listing must stay fast.
import type { Command } from 'commander';
import { formatChoice } from './options.js';
import { addAwsOptions, awsFlags, type AwsOptionValues } from './aws-options.js';
import { EXIT, type CommandIO, type ExitCodeSink, type RegisterCommand } from './command.js';
import { loadQueryPack, savedQuery, QUERY_FOLDER } from '../aws/query-pack.js';
import { keySpec } from '../config.js';

interface InstallFlags extends AwsOptionValues {
  logGroup?: string;
  config?: string;
  dir?: string;
}

export const registerQueries: RegisterCommand = (program: Command, io: CommandIO, exit: ExitCodeSink) => {
  const queries = program.command('queries').description('The Logs Insights query pack: list it, or save it as query definitions');

  queries
    .command('list')
    .description('List the queries in the pack')
    .option('--dir <dir>', 'read the pack from this directory instead of the built-in one')
    .option('--format <format>', 'text or json; `table` is accepted for text', formatChoice(['text', 'json'] as const), 'text')
    .action(async (flags: { dir?: string; format: 'text' | 'json' }) => {
      const pack = await loadQueryPack(flags.dir);
      if (flags.format === 'json') {
        io.stdout.write(JSON.stringify(pack.map(({ file: _f, ...q }) => q), null, 2) + '\n');
      } else {
        const w = Math.max(...pack.map((q) => q.name.length));
        for (const q of pack) io.stdout.write(`${q.name.padEnd(w)}  ${q.title} (default --since ${q.since}${q.params.length ? `; needs --${q.params.join(', --')}` : ''})\n`);
      }
      exit.set(EXIT.ok);
    });

  const install = queries
    .command('install')
    .description(`Save the pack as Logs Insights query definitions in the "${QUERY_FOLDER}/" folder (updates existing ones by name)`)
    .option('--log-group <name>', `log group the saved queries run on (default: cloudwatch.logGroup of the config file, else ${keySpec('cloudwatch.logGroup').defaultText})`)
    .option('--config <file>', 'config file to read the cloudwatch settings from (default: $ECS_TRIAGE_CONFIG, then /etc/ecs-triage/config.yaml if present)')
    .option('--dir <dir>', 'read the pack from this directory instead of the built-in one');
  addAwsOptions(install, 'CloudWatch Logs').action(async (flags: InstallFlags) => {
      const pack = await loadQueryPack(flags.dir);
      const [{ commandLogsClient, awsError, logsCommandSettings }, sdk] = await Promise.all([import('../aws/clients.js'), import('@aws-sdk/client-cloudwatch-logs')]);
      const target = await logsCommandSettings({ ...flags, ...awsFlags(flags) });
      const client = await commandLogsClient(target);
      try {
        // Upsert by name: find the ids of the definitions already in our folder.
        const existing = new Map<string, string>();
        let nextToken: string | undefined;
        do {
          const res = await client
            .send(new sdk.DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: `${QUERY_FOLDER}/`, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }))
            .catch((err: unknown) => {
              throw awsError('DescribeQueryDefinitions', err, 'logs:DescribeQueryDefinitions');
            });
          for (const d of res.queryDefinitions ?? []) if (d.name && d.queryDefinitionId) existing.set(d.name, d.queryDefinitionId);
          nextToken = res.nextToken;
        } while (nextToken);
        for (const q of pack) {
          const saved = savedQuery(q);
          const id = existing.get(saved.name);
          // An update replaces the whole definition, so the log group is always sent again.
          await client
            .send(new sdk.PutQueryDefinitionCommand({ ...saved, logGroupNames: [target.logGroup], ...(id ? { queryDefinitionId: id } : {}) }))
            .catch((err: unknown) => {
              throw awsError(`PutQueryDefinition ${saved.name}`, err, 'logs:PutQueryDefinition');
            });
          io.stdout.write(`${id ? 'updated' : 'created'}  ${saved.name}\n`);
        }
        io.stdout.write(`${pack.length} queries saved for log group ${target.logGroup}\n`);
      } finally {
        client.destroy();
      }
      exit.set(EXIT.ok);
    });
};
