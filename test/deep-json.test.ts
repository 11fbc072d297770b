// Issue 10.8: a deeply nested JSON line (5,000 levels, about 10 KB) overflowed the stack in the line formats
// (JSON.stringify, a recursive journal field decoder). `scan` abandoned the rest of the file, `classify` and
// `explain` crashed, and `watch` lost the lines after it for good, because the read offset had moved past
// lines not yet handed on. Such a line is an ordinary line now, everywhere.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJournalEntry, parseLine } from '../src/formats/index.js';
import { FileTailer, type TailListener } from '../src/sources/tail/file-tail.js';
import { runCli } from './helpers/cli.js';
import { agentHost, failLine, readEvents, ready, sleep, startDaemon, tagsOf, tmp, waitFor, writeConfig, killDaemons } from './helpers/index.js';

const MSG = 'DockerGoClient: failed to pull image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:deep: [CannotPullContainerError] Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries';
const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
/** The agent's JSON format with a failure message and a context field nested `depth` deep. */
const deepLine = (depth: number, nested = deepArray): string =>
  `{"level":"error","time":"2026-11-23T18:01:02Z","msg":${JSON.stringify(MSG)},"module":"docker_client.go","ctx":${nested(depth)}}`;

afterEach(killDaemons);

describe('deeply nested JSON lines', () => {
  it('parse as records whose text still carries the message, at any depth', () => {
    for (const line of [deepLine(5000), deepLine(5000, deepObject), deepLine(100_000)]) {
      const rec = parseLine(line, { source: 'ecs-agent' });
      expect(rec.level).toBe('error');
      expect(rec.text).toContain(MSG);
    }
    // Rendered like any nested value: the JSON text, quoted.
    expect(parseLine('{"msg":"m","ctx":[[1,{"b":"c"}]]}', { source: 'ecs-agent' }).text).toBe('msg="m" ctx="[[1,{\\"b\\":\\"c\\"}]]"');
  });

  it('a journal MESSAGE nested in arrays is decoded without recursion', () => {
    let message: unknown = MSG;
    for (let i = 0; i < 100_000; i++) message = [message];
    expect(parseJournalEntry({ __CURSOR: 'c', MESSAGE: message })?.text).toBe(MSG);
  });

  it('classify, explain and scan go on past such a line', async () => {
    const input = deepLine(5000) + '\n' + failLine('after-deep') + '\n';
    const classify = await runCli(['classify', '--format', 'json'], { input });
    expect(classify.stderr).not.toMatch(/RangeError|call stack/);
    expect(classify.code).not.toBe(null);
    expect(classify.stdout.trim().split('\n')).toHaveLength(2);
    expect(classify.stdout).toContain('after-deep');
    const explain = await runCli(['explain'], { input: deepLine(5000) });
    expect(explain.stderr).not.toMatch(/RangeError|call stack/);

    const root = tmp('ecs-triage-deep-');
    mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
    writeFileSync(path.join(root, 'var/log/ecs/ecs-agent.log'), input);
    const scan = await runCli(['scan', '--root', root, '--format', 'json', '--no-checks', '--fail-on', 'never']);
    expect(scan.stderr).not.toMatch(/RangeError|call stack/);
    expect(scan.stdout).toContain('app:after-deep');
  });

  it('the tailer hands on the lines after one whose handling throws, and says so', async () => {
    const dir = tmp();
    const file = path.join(dir, 'ecs-agent.log');
    writeFileSync(file, 'one\nboom\ntwo\nthree\n');
    const lines: string[] = [];
    const problems: string[] = [];
    const listener: TailListener<number> = {
      opened: () => 0,
      line: (_r, l) => {
        if (l.text === 'boom') throw new RangeError('Maximum call stack size exceeded');
        lines.push(l.text);
      },
      identityChanged: () => {},
      reset: () => {},
      finished: () => {},
      problem: (_p, msg) => problems.push(msg),
      room: () => Promise.resolve(),
    };
    const opts = { path: file, maxLineBytes: 4096, readChunkBytes: 4096, partialLineTimeoutMs: 5000, retryUnreadableMs: 100 };
    const t = new FileTailer(opts, listener);
    await t.start({ backlog: [], live: { otherwise: 'beginning' } });
    appendFileSync(file, 'four\n');
    t.poke();
    await waitFor('four', () => lines.includes('four'), 3000);
    expect(lines).toEqual(['one', 'two', 'three', 'four']);
    expect(problems.join('\n')).toMatch(/line at offset 4 could not be handled.*call stack/);
    expect(t.status().stats.failed).toBe(1);
    await t.stop(true);
  });

  it('watch delivers the 200 failure lines that follow a deep line, with the default line limit', async () => {
    const { base, root, state, log } = agentHost();
    const config = writeConfig(path.join(base, 'etc'));
    writeFileSync(config, readFileSync(config, 'utf8').replace('  maxLineBytes: 4KiB\n', ''));
    const d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    let text = deepLine(5000) + '\n';
    for (let i = 0; i < 200; i++) text += failLine(`after-${i}`) + '\n';
    appendFileSync(log, text);
    await waitFor('200 events', () => readEvents(state).length >= 201, 15000, d).catch(() => {});
    await sleep(200);
    expect(d.proc.exitCode).toBeNull();
    expect((await d.stop()).code).toBe(0);
    const tags = tagsOf(readEvents(state));
    expect(tags.filter((t) => t.startsWith('after-'))).toHaveLength(200);
    expect(tags).toContain('deep');
  });
});
