// A local SSM Run Command endpoint (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.<Op>`) whose managed instances are
// host roots on disk. SendCommand really runs the document's shell for each instance (`sh -c`), with an
// `ecs-triage` on the instance's path that runs the built bundle against that instance's root. Statuses, the
// eventual consistency right after SendCommand, MaxConcurrency, MaxErrors and the output limits follow the real
// service; faults make instances unreachable, slow or failing.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { AwsFault, startJsonServer, type JsonServer } from './fleet-json.js';

export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
export const LIST_OUTPUT_LIMIT = 2_500;

export type InstanceFault =
  /** Not registered with SSM: absent from DescribeInstanceInformation; SendCommand rejects it (InvalidInstanceId). */
  | 'not-managed'
  /** Registered but the agent stopped answering: PingStatus ConnectionLost; a command never starts (DeliveryTimedOut). */
  | 'connection-lost'
  /** Registered and Online, but the command can't be delivered (instance stopping): Failed / Undeliverable. */
  | 'undeliverable'
  /** Online but never picks the command up: TimedOut / DeliveryTimedOut after the delivery timeout. */
  | 'delivery-timeout'
  /** The command hangs on the instance and is killed at the execution timeout: TimedOut / ExecutionTimedOut. */
  | 'hang'
  /** ecs-triage is not installed there: the script fails. */
  | 'not-installed';

export interface FakeInstance {
  id: string;
  /** Host root the instance's `ecs-triage` scans (`--root`). */
  root?: string;
  tags?: Record<string, string>;
  fault?: InstanceFault;
}

export interface SsmServerOptions {
  instances: FakeInstance[];
  /** dist/ecs-triage.mjs */
  bundle: string;
  /** Scratch directory for per-instance bin dirs. */
  workDir: string;
  /** Documents other than AWS-RunShellScript, by name (parsed schema 2.2 JSON). */
  documents?: Record<string, unknown>;
  /** How long a new invocation stays invisible (InvocationDoesNotExist). Default 300 ms. */
  invisibleMs?: number;
  /** Time scale for the document's timeouts: delivery/execution timeouts in seconds × this = ms. Default 1000. */
  msPerTimeoutSecond?: number;
  /** Operations that always fail with this error name (HTTP 400), e.g. `{ ListCommandInvocations: 'AccessDeniedException' }`. */
  failOps?: Record<string, string>;
  /** Parameter Store entries DescribeParameters lists (`task` checks the parameters a task references). */
  parameters?: Array<{ name: string; type: 'String' | 'StringList' | 'SecureString'; keyId?: string; region?: string; account?: string }>;
}

interface Invocation {
  commandId: string;
  instanceId: string;
  visibleAt: number;
  status: 'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed' | 'Cancelling';
  statusDetails: string;
  responseCode: number;
  start?: string;
  end?: string;
  stdout: string;
  stderr: string;
  pluginName: string;
}

interface CommandRecord {
  id: string;
  documentName: string;
  requestedAt: number;
  invocations: Invocation[];
  maxErrors: string;
  errors: number;
}

export interface SsmServer extends JsonServer {
  commands: Map<string, CommandRecord>;
  /** Highest number of invocations running at once, per command. */
  peakConcurrency: Map<string, number>;
}

const DOCUMENT_NAME = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const INSTANCE_ID = /^(?:i-[0-9a-f]{8}(?:[0-9a-f]{9})?|mi-[0-9a-f]{17})$/;
const MAX_CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;
const EXEC_TIMEOUT = /^(?:[1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[0-1][0-9]{3}|172[0-7][0-9]{2}|172800)$/;
const FINAL = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed']);

/** `sh -c` runs the script; this stands in for the installed /usr/local/bin/ecs-triage, scanning the instance's root. */
function writeInstanceRoot(workDir: string, inst: FakeInstance, bundle: string): string {
  const dir = path.join(workDir, inst.id);
  const bin = path.join(dir, 'usr/local/bin');
  mkdirSync(bin, { recursive: true });
  if (inst.fault === 'not-installed') return dir;
  const script = [
    '#!/bin/sh',
    'sub="$1"; shift',
    inst.fault === 'hang' ? 'sleep 600' : '',
    `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(bundle)} "$sub" --root ${JSON.stringify(inst.root ?? dir)} "$@"`,
    '',
  ].join('\n');
  writeFileSync(path.join(bin, 'ecs-triage'), script);
  chmodSync(path.join(bin, 'ecs-triage'), 0o755);
  return dir;
}

function limitCount(spec: string, total: number): number {
  if (spec.endsWith('%')) return Math.max(1, Math.floor((Number(spec.slice(0, -1)) * total) / 100));
  return Number(spec);
}

function asStrings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new AwsFault('InvalidParameters', `${what} must be a list of strings`);
  return v as string[];
}

/** The shell and timeout a document runs with these parameters (validated as SSM does). */
export function compileDocument(
  name: string,
  params: Record<string, string[]>,
  documents: Record<string, unknown>,
): { script: string; timeoutSeconds: number; pluginName: string } {
  if (name === 'AWS-RunShellScript') {
    const commands = params.commands;
    if (!commands || commands.length === 0) throw new AwsFault('InvalidParameters', 'commands is required');
    for (const k of Object.keys(params)) {
      if (!['commands', 'workingDirectory', 'executionTimeout'].includes(k)) throw new AwsFault('InvalidParameters', `unknown parameter ${k}`);
    }
    const t = params.executionTimeout?.[0] ?? '3600';
    if (!EXEC_TIMEOUT.test(t)) throw new AwsFault('InvalidParameters', `executionTimeout ${t} does not match the allowed pattern`);
    return { script: commands.join('\n'), timeoutSeconds: Number(t), pluginName: 'aws:runShellScript' };
  }
  const doc = documents[name] as
    | { parameters?: Record<string, { type: string; default?: string; allowedPattern?: string; allowedValues?: string[] }>; mainSteps: Array<{ action: string; name: string; inputs: { runCommand: string[]; timeoutSeconds?: string } }> }
    | undefined;
  if (!doc) throw new AwsFault('InvalidDocument', `document ${name} does not exist`);
  const values: Record<string, string> = {};
  for (const k of Object.keys(params)) if (!doc.parameters?.[k]) throw new AwsFault('InvalidParameters', `unknown parameter ${k}`);
  for (const [k, p] of Object.entries(doc.parameters ?? {})) {
    const given = params[k];
    const v = given ? given.join(',') : p.default;
    if (v === undefined) throw new AwsFault('InvalidParameters', `parameter ${k} is required`);
    if (p.allowedPattern && !new RegExp(p.allowedPattern).test(v)) throw new AwsFault('InvalidParameters', `parameter ${k} does not match ${p.allowedPattern}`);
    if (p.allowedValues && !p.allowedValues.includes(v)) throw new AwsFault('InvalidParameters', `parameter ${k} is not one of ${p.allowedValues.join(', ')}`);
    values[k] = v;
  }
  const fill = (s: string): string =>
    s.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_m, key: string) => {
      if (!(key in values)) throw new AwsFault('InvalidParameters', `{{ ${key} }} is not a parameter`);
      return values[key]!;
    });
  const steps = doc.mainSteps.filter((s) => s.action === 'aws:runShellScript');
  if (steps.length !== 1) throw new AwsFault('InvalidDocument', 'this test server runs documents with one aws:runShellScript step');
  const step = steps[0]!;
  return { script: step.inputs.runCommand.map(fill).join('\n'), timeoutSeconds: Number(fill(step.inputs.timeoutSeconds ?? '3600')), pluginName: step.name };
}

export async function startSsmServer(opts: SsmServerOptions): Promise<SsmServer> {
  const invisibleMs = opts.invisibleMs ?? 300;
  const scale = opts.msPerTimeoutSecond ?? 1000;
  const byId = new Map(opts.instances.map((i) => [i.id, i]));
  const roots = new Map(opts.instances.map((i) => [i.id, writeInstanceRoot(opts.workDir, i, opts.bundle)]));
  const commands = new Map<string, CommandRecord>();
  const peakConcurrency = new Map<string, number>();
  const running = new Set<{ kill(): void }>();
  const iso = (): string => new Date().toISOString();

  function finish(inv: Invocation, cmd: CommandRecord, status: Invocation['status'], details: string, code: number): void {
    if (FINAL.has(inv.status)) return;
    inv.status = status;
    inv.statusDetails = details;
    inv.responseCode = code;
    inv.end = iso();
    // Undeliverable and delivery timeouts do not count toward MaxErrors; failures and execution timeouts do.
    if (status === 'Failed' && details !== 'Undeliverable') cmd.errors++;
    if (details === 'ExecutionTimedOut') cmd.errors++;
  }

  function execute(inv: Invocation, cmd: CommandRecord, script: string, timeoutSeconds: number): Promise<void> {
    inv.status = 'InProgress';
    inv.statusDetails = 'InProgress';
    inv.start = iso();
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', script], {
        cwd: roots.get(inv.instanceId)!,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ECS_TRIAGE_ROOT: roots.get(inv.instanceId)!, HOME: roots.get(inv.instanceId)! },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const handle = { kill: () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } } };
      running.add(handle);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        handle.kill();
      }, timeoutSeconds * scale);
      child.stdout.on('data', (c: Buffer) => (inv.stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (inv.stderr += c.toString('utf8')));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        running.delete(handle);
        if (timedOut) finish(inv, cmd, 'TimedOut', 'ExecutionTimedOut', 137);
        else if (code === 0) finish(inv, cmd, 'Success', 'Success', 0);
        else finish(inv, cmd, 'Failed', 'Failed', code ?? (signal ? 137 : 1));
        resolve();
      });
    });
  }

  async function run(cmd: CommandRecord, script: string, execTimeout: number, deliverySeconds: number, maxConcurrency: string): Promise<void> {
    const limit = limitCount(maxConcurrency, cmd.invocations.length);
    const maxErrors = limitCount(cmd.maxErrors, cmd.invocations.length);
    const queue = [...cmd.invocations];
    let active = 0;
    await new Promise((r) => setTimeout(r, invisibleMs));
    await new Promise<void>((resolveAll) => {
      const next = (): void => {
        while (active < limit && queue.length) {
          const inv = queue.shift()!;
          if (cmd.errors > maxErrors && cmd.maxErrors !== '100%') {
            finish(inv, cmd, 'Failed', 'Terminated', -1);
            continue;
          }
          const fault = byId.get(inv.instanceId)?.fault;
          active++;
          peakConcurrency.set(cmd.id, Math.max(peakConcurrency.get(cmd.id) ?? 0, active));
          const done = (): void => {
            active--;
            next();
          };
          if (fault === 'undeliverable') {
            setTimeout(() => (finish(inv, cmd, 'Failed', 'Undeliverable', -1), done()), 50);
          } else if (fault === 'delivery-timeout' || fault === 'connection-lost') {
            setTimeout(() => (finish(inv, cmd, 'TimedOut', 'DeliveryTimedOut', -1), done()), deliverySeconds * scale);
          } else {
            void execute(inv, cmd, script, execTimeout).then(done);
          }
        }
        if (active === 0 && queue.length === 0) resolveAll();
      };
      next();
    });
  }

  function commandStatus(cmd: CommandRecord): string {
    const s = cmd.invocations.map((i) => i.status);
    if (s.some((x) => !FINAL.has(x))) return s.some((x) => x !== 'Pending') ? 'InProgress' : 'Pending';
    if (s.every((x) => x === 'Success')) return 'Success';
    return s.includes('Failed') ? 'Failed' : s.includes('TimedOut') ? 'TimedOut' : 'Cancelled';
  }

  function resolveTargets(targets: Array<{ Key: string; Values: string[] }>): string[] {
    if (targets.length > 5) throw new AwsFault('ValidationException', 'Targets: at most 5');
    let ids = opts.instances.filter((i) => i.fault !== 'not-managed');
    for (const t of targets) {
      if (t.Key === 'InstanceIds') ids = ids.filter((i) => t.Values.includes(i.id));
      else if (t.Key === 'tag-key') ids = ids.filter((i) => t.Values.some((k) => i.tags?.[k] !== undefined));
      else if (t.Key.startsWith('tag:')) ids = ids.filter((i) => t.Values.includes(i.tags?.[t.Key.slice(4)] ?? '\0'));
      else throw new AwsFault('InvalidParameters', `target key ${t.Key} is not supported here`);
    }
    return ids.map((i) => i.id);
  }

  const visible = (inv: Invocation): boolean => Date.now() >= inv.visibleAt;

  const server = await startJsonServer('AmazonSSM', (op, body, scope) => {
    const forced = opts.failOps?.[op];
    if (forced) throw new AwsFault(forced, `injected ${forced} for ${op}`);
    switch (op) {
      case 'DescribeInstanceInformation': {
        const filters = (body.Filters ?? []) as Array<{ Key: string; Values: string[] }>;
        const max = (body.MaxResults as number | undefined) ?? 50;
        if (max < 5 || max > 50) throw new AwsFault('ValidationException', 'MaxResults must be 5-50');
        const wanted = filters.find((f) => f.Key === 'InstanceIds')?.Values;
        const list = opts.instances
          .filter((i) => i.fault !== 'not-managed' && (!wanted || wanted.includes(i.id)))
          .map((i) => ({ InstanceId: i.id, PingStatus: i.fault === 'connection-lost' ? 'ConnectionLost' : 'Online', PlatformType: 'Linux', AgentVersion: '3.3.0.0' }));
        const start = Number(body.NextToken ?? 0);
        const page = list.slice(start, start + max);
        return { InstanceInformationList: page, ...(start + max < list.length ? { NextToken: String(start + max) } : {}) };
      }
      case 'SendCommand': {
        const name = body.DocumentName as string;
        if (typeof name !== 'string' || !DOCUMENT_NAME.test(name)) throw new AwsFault('ValidationException', 'DocumentName is invalid');
        const ids = body.InstanceIds as string[] | undefined;
        const targets = body.Targets as Array<{ Key: string; Values: string[] }> | undefined;
        if (!!ids === !!targets) throw new AwsFault('ValidationException', 'give InstanceIds or Targets');
        if (ids && (ids.length < 1 || ids.length > 50)) throw new AwsFault('ValidationException', 'InstanceIds: 1 to 50 ids');
        const maxConcurrency = (body.MaxConcurrency as string | undefined) ?? '50';
        const maxErrors = (body.MaxErrors as string | undefined) ?? '0';
        if (!MAX_CONCURRENCY.test(maxConcurrency)) throw new AwsFault('ValidationException', 'MaxConcurrency is invalid');
        if (!MAX_ERRORS.test(maxErrors)) throw new AwsFault('ValidationException', 'MaxErrors is invalid');
        const timeout = (body.TimeoutSeconds as number | undefined) ?? 3600;
        if (timeout < 30 || timeout > 2_592_000) throw new AwsFault('ValidationException', 'TimeoutSeconds must be 30-2592000');
        if (typeof body.Comment === 'string' && body.Comment.length > 100) throw new AwsFault('ValidationException', 'Comment: at most 100 characters');
        const params: Record<string, string[]> = {};
        for (const [k, v] of Object.entries((body.Parameters ?? {}) as Record<string, unknown>)) params[k] = asStrings(v, k);
        const { script, timeoutSeconds, pluginName } = compileDocument(name, params, opts.documents ?? {});
        let targetIds: string[];
        if (ids) {
          if (new Set(ids).size !== ids.length) throw new AwsFault('DuplicateInstanceId', 'an instance id is listed twice');
          const invalid = ids.filter((id) => !INSTANCE_ID.test(id) || !byId.has(id) || byId.get(id)!.fault === 'not-managed');
          if (invalid.length) throw new AwsFault('InvalidInstanceId', `Instances [[${invalid.join(', ')}]] not in a valid state for account 123456789012`);
          targetIds = ids;
        } else {
          targetIds = resolveTargets(targets!);
        }
        const id = randomUUID();
        const now = Date.now();
        const cmd: CommandRecord = {
          id,
          documentName: name,
          requestedAt: now,
          maxErrors,
          errors: 0,
          invocations: targetIds.map((instanceId) => ({
            commandId: id,
            instanceId,
            visibleAt: now + invisibleMs,
            status: 'Pending',
            statusDetails: 'Pending',
            responseCode: -1,
            stdout: '',
            stderr: '',
            pluginName,
          })),
        };
        commands.set(id, cmd);
        void run(cmd, script, timeoutSeconds, timeout, maxConcurrency);
        return {
          Command: {
            CommandId: id,
            DocumentName: name,
            Status: 'Pending',
            RequestedDateTime: now / 1000,
            TargetCount: targetIds.length,
            ...(ids ? { InstanceIds: ids } : { Targets: targets }),
            MaxConcurrency: maxConcurrency,
            MaxErrors: maxErrors,
            TimeoutSeconds: timeout,
          },
        };
      }
      case 'ListCommands': {
        const cmd = commands.get(body.CommandId as string);
        if (!cmd) throw new AwsFault('InvalidCommandId', 'no such command');
        return {
          Commands: [
            {
              CommandId: cmd.id,
              DocumentName: cmd.documentName,
              Status: commandStatus(cmd),
              TargetCount: cmd.invocations.length,
              CompletedCount: cmd.invocations.filter((i) => FINAL.has(i.status)).length,
              ErrorCount: cmd.errors,
            },
          ],
        };
      }
      case 'ListCommandInvocations': {
        const cmd = commands.get(body.CommandId as string);
        if (!cmd) throw new AwsFault('InvalidCommandId', 'no such command');
        const max = (body.MaxResults as number | undefined) ?? 50;
        if (max < 1 || max > 50) throw new AwsFault('ValidationException', 'MaxResults must be 1-50');
        const list = cmd.invocations.filter(visible);
        const start = Number(body.NextToken ?? 0);
        const page = list.slice(start, start + max).map((inv) => ({
          CommandId: inv.commandId,
          InstanceId: inv.instanceId,
          DocumentName: cmd.documentName,
          Status: inv.status,
          StatusDetails: inv.statusDetails,
          RequestedDateTime: cmd.requestedAt / 1000,
          ...(body.Details
            ? { CommandPlugins: [{ Name: inv.pluginName, Status: inv.status, StatusDetails: inv.statusDetails, ResponseCode: inv.responseCode, Output: inv.stdout.slice(0, LIST_OUTPUT_LIMIT) }] }
            : {}),
        }));
        return { CommandInvocations: page, ...(start + max < list.length ? { NextToken: String(start + max) } : {}) };
      }
      case 'GetCommandInvocation': {
        const commandId = body.CommandId as string;
        if (typeof commandId !== 'string' || commandId.length !== 36) throw new AwsFault('ValidationException', 'CommandId must be 36 characters');
        const cmd = commands.get(commandId);
        if (!cmd) throw new AwsFault('InvalidCommandId', 'no such command');
        const inv = cmd.invocations.find((i) => i.instanceId === body.InstanceId);
        if (!inv || !visible(inv)) throw new AwsFault('InvocationDoesNotExist', 'The command invocation does not exist');
        return {
          CommandId: inv.commandId,
          InstanceId: inv.instanceId,
          DocumentName: cmd.documentName,
          DocumentVersion: '$DEFAULT',
          PluginName: inv.pluginName,
          ResponseCode: inv.responseCode,
          ExecutionStartDateTime: inv.start ?? '',
          ExecutionEndDateTime: inv.end ?? '',
          Status: inv.status,
          StatusDetails: inv.statusDetails,
          StandardOutputContent: inv.stdout.slice(0, STDOUT_LIMIT),
          StandardOutputUrl: '',
          StandardErrorContent: inv.stderr.slice(0, STDERR_LIMIT),
          StandardErrorUrl: '',
        };
      }
      case 'DescribeParameters': {
        // Like the service, a page may come back short (even empty) with a NextToken: callers must follow it.
        const filters = (body.ParameterFilters as Array<{ Key: string; Option?: string; Values: string[] }> | undefined) ?? [];
        const max = (body.MaxResults as number | undefined) ?? 50;
        if (max < 1 || max > 50) throw new AwsFault('ValidationException', 'MaxResults must be 1-50');
        const all = (opts.parameters ?? []).filter((p) => (p.region ?? 'us-east-1') === scope.region);
        const start = Number(body.NextToken ?? 0);
        const window = all.slice(start, start + Math.min(max, 1));
        const match = window.filter((p) =>
          filters.every((f) => {
            if (f.Key !== 'Name') throw new AwsFault('InvalidFilterKey', `The filter key ${f.Key} is not supported by the test server`);
            return (f.Option ?? 'Equals') === 'Equals' ? f.Values.includes(p.name) : f.Values.some((v) => p.name.startsWith(v));
          }),
        );
        return {
          Parameters: match.map((p) => ({
            Name: p.name,
            ARN: `arn:aws:ssm:${scope.region}:${p.account ?? '123456789012'}:parameter${p.name.startsWith('/') ? '' : '/'}${p.name}`,
            Type: p.type,
            ...(p.type === 'SecureString' ? { KeyId: p.keyId ?? 'alias/aws/ssm' } : {}),
            LastModifiedDate: Date.parse('2026-10-01T00:00:00Z') / 1000,
            Version: 1,
            Tier: 'Standard',
            DataType: 'text',
          })),
          ...(start + 1 < all.length ? { NextToken: String(start + 1) } : {}),
        };
      }
      default:
        throw new AwsFault('UnknownOperationException', `operation ${op} is not implemented by the test server`);
    }
  });
  return {
    ...server,
    commands,
    peakConcurrency,
    close: async () => {
      for (const h of running) h.kill();
      await server.close();
    },
  };
}
