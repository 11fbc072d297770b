// The ECS agent's introspection API (facts sheet §6.1): `/v1/metadata` for the cluster and container instance,
// `/v1/tasks` for the host's tasks with their containers, Docker ids and known/desired status. The agent keeps
// a stopped task (and its containers) until ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION has passed, 3 h by default.
import { getJson, LocalApiError, type Endpoint } from '../docker/http.js';

export interface AgentContainer {
  DockerId?: string;
  DockerName?: string;
  Name?: string;
  Image?: string;
  ImageID?: string;
  CreatedAt?: string;
  StartedAt?: string;
}

export interface AgentTask {
  Arn: string;
  DesiredStatus?: string;
  KnownStatus?: string;
  Family?: string;
  Version?: string;
  Containers?: AgentContainer[];
}

export interface AgentMetadata {
  cluster?: string;
  containerInstanceArn?: string;
  version?: string;
}

/** Tasks' known statuses that mean the agent is done with the task. */
export function stoppedStatus(s: string | undefined): boolean {
  return s === 'STOPPED' || s === 'DEAD';
}

function validTask(t: unknown): t is AgentTask {
  return t !== null && typeof t === 'object' && typeof (t as AgentTask).Arn === 'string' && (t as AgentTask).Arn !== '';
}

export class AgentIntrospection {
  readonly endpoint: Endpoint;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = { baseUrl, display: baseUrl };
  }

  async metadata(): Promise<AgentMetadata> {
    const m = await getJson<{ Cluster?: unknown; ContainerInstanceArn?: unknown; Version?: unknown }>(this.endpoint, '/v1/metadata', this.timeoutMs);
    const out: AgentMetadata = {};
    if (typeof m.Cluster === 'string' && m.Cluster) out.cluster = m.Cluster;
    if (typeof m.ContainerInstanceArn === 'string' && m.ContainerInstanceArn) out.containerInstanceArn = m.ContainerInstanceArn;
    if (typeof m.Version === 'string' && m.Version) out.version = m.Version;
    return out;
  }

  async tasks(): Promise<AgentTask[]> {
    const r = await getJson<{ Tasks?: unknown }>(this.endpoint, '/v1/tasks', this.timeoutMs);
    return Array.isArray(r.Tasks) ? r.Tasks.filter(validTask) : [];
  }

  /** One task by ARN; undefined when the agent does not (or no longer) know it. */
  async task(arn: string): Promise<AgentTask | undefined> {
    try {
      const t = await getJson<unknown>(this.endpoint, `/v1/tasks?taskarn=${encodeURIComponent(arn)}`, this.timeoutMs);
      return validTask(t) ? t : undefined;
    } catch (err) {
      if (err instanceof LocalApiError && err.status === 404) return undefined;
      throw err;
    }
  }
}
