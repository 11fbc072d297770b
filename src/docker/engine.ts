// The Docker Engine API, the parts the task records read: the API version (negotiated from `/_ping`, else
// `/version`), the event stream, one container's state (`GET /containers/{id}/json`) and the container list.
// Shapes as Docker 20.10 (API 1.41) answers them, recorded in fixtures/recorded/tasks/; only the fields that
// are not deprecated are read (events: Type, Action, Actor, time, timeNano — `status`, `id` and `from` are gone
// from newer API versions).
import { getJson, LocalApiError, request, streamJsonLines, type Endpoint, type Stream } from './http.js';

/**
 * The newest API version whose shapes this client knows. A newer daemon is asked in this version (daemons
 * serve older versions); an older one in its own. Docker 25+ refuse versions below 1.24, 29+ below 1.44.
 */
export const CLIENT_MAX_API = '1.47';

export interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano?: number;
}

export interface HealthLogEntry {
  Start?: string;
  End?: string;
  ExitCode?: number;
  Output?: string;
}

export interface ContainerState {
  Status?: string;
  Running?: boolean;
  Paused?: boolean;
  Restarting?: boolean;
  OOMKilled?: boolean;
  Dead?: boolean;
  Pid?: number;
  ExitCode?: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
  Health?: { Status?: string; FailingStreak?: number; Log?: HealthLogEntry[] };
}

export interface ContainerInspect {
  Id: string;
  Created?: string;
  Name?: string;
  Image?: string;
  State?: ContainerState;
  Config?: { Image?: string; Labels?: Record<string, string> | null };
}

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  Labels?: Record<string, string> | null;
  State?: string;
  Status?: string;
  /** Unix seconds. */
  Created?: number;
}

export type Filters = Record<string, string[]>;

function newer(a: string, b: string): boolean {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am > bm : an > bn;
}

/** Zero-time values Docker writes for "never" (`0001-01-01T00:00:00Z`) become undefined. */
export function dockerTime(s: string | undefined): string | undefined {
  if (!s || s.startsWith('0001-01-01')) return undefined;
  return Number.isFinite(Date.parse(s)) ? s : undefined;
}

export class DockerEngine {
  /** The negotiated version, `1.41`; undefined before negotiate() (then paths are unversioned). */
  version: string | undefined;
  /** What the daemon said it runs (`Server` header of `/_ping`), for status. */
  server: string | undefined;

  constructor(
    readonly endpoint: Endpoint,
    private readonly timeoutMs: number,
  ) {}

  private path(p: string): string {
    return this.version ? `/v${this.version}${p}` : p;
  }

  /** Asks the daemon which API version it speaks and picks the lower of that and ours. */
  async negotiate(): Promise<string | undefined> {
    const ping = await request(this.endpoint, '/_ping', { timeoutMs: this.timeoutMs, maxBytes: 1024 });
    let theirs = typeof ping.headers['api-version'] === 'string' ? ping.headers['api-version'] : undefined;
    this.server = typeof ping.headers.server === 'string' ? ping.headers.server : undefined;
    if (!theirs) {
      if (ping.status !== 200) throw new LocalApiError(this.endpoint.display, `HTTP ${ping.status} for /_ping`, ping.status);
      const v = await getJson<{ ApiVersion?: unknown }>(this.endpoint, '/version', this.timeoutMs);
      theirs = typeof v.ApiVersion === 'string' ? v.ApiVersion : undefined;
    }
    // Without a version anywhere, unversioned paths are served at the daemon's own version.
    this.version = theirs && /^\d+\.\d+$/.test(theirs) ? (newer(theirs, CLIENT_MAX_API) ? CLIENT_MAX_API : theirs) : undefined;
    return this.version;
  }

  /** A container's details; undefined when Docker no longer has it (removed). */
  async inspect(id: string): Promise<ContainerInspect | undefined> {
    try {
      return await getJson<ContainerInspect>(this.endpoint, this.path(`/containers/${encodeURIComponent(id)}/json`), this.timeoutMs);
    } catch (err) {
      if (err instanceof LocalApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async list(filters: Filters, all: boolean): Promise<ContainerSummary[]> {
    const q = `?all=${all ? 1 : 0}&filters=${encodeURIComponent(JSON.stringify(filters))}`;
    const list = await getJson<unknown>(this.endpoint, this.path(`/containers/json${q}`), this.timeoutMs);
    return Array.isArray(list) ? (list as ContainerSummary[]) : [];
  }

  /**
   * The event stream from `since` (unix seconds; Docker replays what it still holds from then) on, filtered
   * on the daemon's side. Documents that are not events are passed to `onBadLine`.
   */
  events(
    filters: Filters,
    since: number | undefined,
    on: { open?: () => void; event: (e: DockerEvent) => void; bad?: (line: string) => void },
  ): Stream {
    const q = `?filters=${encodeURIComponent(JSON.stringify(filters))}${since !== undefined ? `&since=${Math.floor(since)}` : ''}`;
    return streamJsonLines(this.endpoint, this.path(`/events${q}`), {
      connectTimeoutMs: this.timeoutMs,
      maxLineBytes: 1024 * 1024,
      ...(on.open ? { onOpen: on.open } : {}),
      onDocument: (doc) => {
        const e = doc as Partial<DockerEvent> | null;
        if (e && typeof e.Action === 'string' && e.Actor && typeof e.Actor.ID === 'string' && typeof e.time === 'number') {
          on.event({ Type: String(e.Type ?? ''), Action: e.Action, Actor: { ID: e.Actor.ID, Attributes: e.Actor.Attributes ?? {} }, time: e.time, ...(typeof e.timeNano === 'number' ? { timeNano: e.timeNano } : {}) });
        } else on.bad?.(JSON.stringify(doc).slice(0, 200));
      },
      ...(on.bad ? { onBadLine: on.bad } : {}),
    });
  }
}
