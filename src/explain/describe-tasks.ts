// The JSON `aws ecs describe-tasks` prints, turned into the lines `explain` classifies: the stopped reason,
// each container's reason, and one line per container exit code (test/corpus/README.md states the format,
// which the container_exit rules match).

export interface TaskItem {
  /** What the line is, for the reader: `stoppedReason`, `container web: reason`, `container web: exit code 137`. */
  what: string;
  kind: 'stoppedReason' | 'containerReason' | 'exitCode';
  container?: string;
  /** The container's image, as describe-tasks names it (the stopped reason gets it when the task has one container). */
  image?: string;
  line: string;
}

export interface TaskToExplain {
  taskArn?: string;
  taskDefinitionArn?: string;
  lastStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  items: TaskItem[];
}

export interface DescribeTasks {
  tasks: TaskToExplain[];
  /** `failures` of the call (a task ARN that was not found), as `arn: reason`. */
  failures: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
/** describe-tasks has no OOM flag; the container's reason says it. */
const OOM = /OutOfMemoryError|OOMKilled|out of memory/i;

/**
 * The describe-tasks output when `text` is one (the whole `{"tasks": [...]}`, a single task object, or a
 * list of tasks); undefined for anything else, such as one JSON log line.
 */
export function parseDescribeTasks(text: string): DescribeTasks | undefined {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch {
    return undefined;
  }
  let tasks: unknown[];
  let failures: unknown[] = [];
  if (Array.isArray(doc)) tasks = doc;
  else if (isObject(doc) && Array.isArray(doc.tasks)) {
    tasks = doc.tasks;
    if (Array.isArray(doc.failures)) failures = doc.failures;
  } else if (isObject(doc) && (doc.taskArn !== undefined || Array.isArray(doc.containers))) tasks = [doc];
  else return undefined;
  // `{"tasks": [], "failures": []}` is still describe-tasks' answer (nothing matched); a bare `[]` may be anything.
  if (!tasks.every(isObject) || (tasks.length === 0 && failures.length === 0 && Array.isArray(doc))) return undefined;
  return {
    tasks: tasks.map((task) => toExplain(task as Json)),
    failures: failures.filter(isObject).map((f) => `${str(f.arn) ?? 'unknown task'}: ${str(f.reason) ?? 'failed'}${str(f.detail) ? ` (${str(f.detail)})` : ''}`),
  };
}

function toExplain(task: Json): TaskToExplain {
  const out: TaskToExplain = { items: [] };
  const taskArn = str(task.taskArn);
  const taskDefinitionArn = str(task.taskDefinitionArn);
  const lastStatus = str(task.lastStatus);
  const stopCode = str(task.stopCode);
  const stoppedReason = str(task.stoppedReason);
  if (taskArn) out.taskArn = taskArn;
  if (taskDefinitionArn) out.taskDefinitionArn = taskDefinitionArn;
  if (lastStatus) out.lastStatus = lastStatus;
  if (stopCode) out.stopCode = stopCode;
  if (stoppedReason) {
    out.stoppedReason = stoppedReason;
    out.items.push({ what: 'stoppedReason', kind: 'stoppedReason', line: stoppedReason });
  }
  const containers = Array.isArray(task.containers) ? task.containers.filter(isObject) : [];
  const only = containers.length === 1 ? str(containers[0]!.image) : undefined;
  if (only && out.items[0]) out.items[0].image = only;
  for (const c of containers) {
    const name = str(c.name) ?? 'container';
    const image = str(c.image);
    const withImage = image ? { image } : {};
    const reason = str(c.reason);
    if (reason && reason !== stoppedReason) out.items.push({ what: `container ${name}: reason`, kind: 'containerReason', container: name, ...withImage, line: reason });
    if (typeof c.exitCode === 'number' && Number.isInteger(c.exitCode)) {
      const oom = reason !== undefined && OOM.test(reason);
      const line = `${stoppedReason ?? 'Container exited'}: container=${JSON.stringify(name)} exitCode=${c.exitCode} oomKilled=${oom}${stopCode ? ` stopCode=${stopCode}` : ''}`;
      out.items.push({ what: `container ${name}: exit code ${c.exitCode}`, kind: 'exitCode', container: name, ...withImage, line });
    }
  }
  return out;
}
