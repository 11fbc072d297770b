import { describe, expect, it } from 'vitest';
import { detectFormat, parseJournalEntry, parseLine } from '../src/formats/index.js';

describe('line formats', () => {
  it('reads agent logfmt: level, time, and the line itself as text', () => {
    const line = 'level=error time=2026-11-23T09:14:07Z msg="Error pulling image" image="nginx:1.25" module=docker_client.go';
    const rec = parseLine(line, { source: 'ecs-agent' });
    expect(detectFormat(line)).toBe('agent-logfmt');
    expect(rec).toMatchObject({ source: 'ecs-agent', level: 'error', time: Date.parse('2026-11-23T09:14:07Z'), text: line });
  });

  it('renders agent JSON lines as logfmt so one regex serves both', () => {
    const line = '{"level":"warn","time":"2026-11-23T09:14:07Z","msg":"Pull failed","image":"a/b:1","error":"x \\"quoted\\" y"}';
    const rec = parseLine(line, { source: 'ecs-agent' });
    expect(rec.text).toBe('level=warn time=2026-11-23T09:14:07Z msg="Pull failed" image=a/b:1 error="x \\"quoted\\" y"');
    expect(rec.raw).toBe(line);
    expect(rec.level).toBe('warn');
  });

  it('reads the old seelog format', () => {
    const rec = parseLine('2016-08-22T02:54:32Z [WARN] Error retrieving stats for container cf0a: dial unix /var/run/docker.sock: socket: too many open files', { source: 'ecs-agent' });
    expect(rec.level).toBe('warn');
    expect(rec.time).toBe(Date.parse('2016-08-22T02:54:32Z'));
  });

  it('reads dockerd logrus text with the precise time', () => {
    const rec = parseLine('time="2026-11-23T10:02:41.118345210Z" level=error msg="Handler for POST /v1.41/images/create returned error"', { source: 'dockerd' });
    expect(rec.level).toBe('error');
    expect(rec.time).toBe(Date.parse('2026-11-23T10:02:41.118Z'));
  });

  it('takes the program from a syslog prefix and the level from the logrus body', () => {
    const rec = parseLine('Nov 23 10:02:41 ip-10-0-1-5 dockerd[3120]: time="2026-11-23T10:02:41.1Z" level=error msg="x"', { source: 'unknown' });
    expect(rec.source).toBe('dockerd');
    expect(rec.level).toBe('error');
    const kern = parseLine('Nov 23 10:05:00 ip-10-0-1-5 kernel: Memory cgroup out of memory: Killed process 4242 (java)', { source: 'unknown' });
    expect(kern.source).toBe('kernel');
    expect(kern.time).toBeTypeOf('number');
  });

  it('unwraps Docker json-file lines', () => {
    const rec = parseLine('{"log":"level=error time=2026-11-23T09:00:00Z msg=\\"boom\\"\\n","stream":"stdout","time":"2026-11-23T09:00:00.5Z"}', { source: 'ecs-agent' });
    expect(rec.text).toBe('level=error time=2026-11-23T09:00:00Z msg="boom"');
    expect(rec.level).toBe('error');
  });

  it('never throws on broken JSON: the line becomes plain text', () => {
    const rec = parseLine('{"level":"error","msg":"cut her', { source: 'ecs-agent' });
    expect(rec.text).toBe('{"level":"error","msg":"cut her');
  });
});

describe('journal entries', () => {
  const base = { __CURSOR: 's=abc;i=1', __REALTIME_TIMESTAMP: '1795400000123456', _SYSTEMD_UNIT: 'docker.service', SYSLOG_IDENTIFIER: 'dockerd', PRIORITY: '6' };

  it('uses the unit to name the source and logrus level over PRIORITY', () => {
    const rec = parseJournalEntry({ ...base, MESSAGE: 'time="2026-11-23T10:00:00Z" level=error msg="x"' })!;
    expect(rec).toMatchObject({ source: 'dockerd', level: 'error', time: Date.parse('2026-11-23T10:00:00Z') });
    expect(rec.origin?.cursor).toBe('s=abc;i=1');
  });

  it('decodes MESSAGE given as a byte array', () => {
    const msg = 'level=error msg="no space left on device \u00e9"';
    const rec = parseJournalEntry({ ...base, MESSAGE: [...Buffer.from(msg)] })!;
    expect(rec.text).toBe(msg);
  });

  it('falls back to __REALTIME_TIMESTAMP and PRIORITY; kernel transport is the kernel', () => {
    const rec = parseJournalEntry({ ...base, _TRANSPORT: 'kernel', SYSLOG_IDENTIFIER: 'kernel', PRIORITY: '3', MESSAGE: 'Out of memory: Killed process 1' })!;
    expect(rec).toMatchObject({ source: 'kernel', level: 'error', time: 1795400000123 });
  });

  it('returns undefined when MESSAGE is null (over 4096 bytes without --all)', () => {
    expect(parseJournalEntry({ ...base, MESSAGE: null })).toBeUndefined();
  });
});
