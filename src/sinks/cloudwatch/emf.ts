// CloudWatch Embedded Metric Format metadata (facts sheet §2): CloudWatch turns each shipped event into a
// data point without any PutMetricData call — a finding or check into `Findings`, by [Cluster, Category] and
// by [Category]; a task record into `TasksStopped`, by [Cluster, ExitClass] and by [ExitClass].
import { EMF_MAX_DIMENSION_VALUE_CHARS } from '../../cloudwatch-limits.js';

export const METRIC_NAME = 'Findings';
export const DIMENSION_CLUSTER = 'Cluster';
export const DIMENSION_CATEGORY = 'Category';
export const TASKS_METRIC_NAME = 'TasksStopped';
export const DIMENSION_EXIT_CLASS = 'ExitClass';
/** Dimension values must be non-empty; a host whose cluster is unknown still counts. */
export const UNKNOWN_CLUSTER = 'unknown';

export interface EmfMembers {
  Cluster: string;
  Category: string;
  Findings: number;
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }>;
  };
}

function dimensionValue(v: string | undefined): string {
  const s = v && v.length > 0 ? v : UNKNOWN_CLUSTER;
  return s.length > EMF_MAX_DIMENSION_VALUE_CHARS ? s.slice(0, EMF_MAX_DIMENSION_VALUE_CHARS) : s;
}

type Directives = EmfMembers['_aws']['CloudWatchMetrics'];
// A directive is the same for every event of a metric and namespace: built once (this runs for every shipped event).
const directives = new Map<string, Directives>();

/** One metric by [Cluster, DIMENSION] and by [DIMENSION]. */
function directivesFor(namespace: string, metric: string, dimension: string): Directives {
  const key = `${namespace}\u0000${metric}`;
  let d = directives.get(key);
  if (!d) {
    d = [{ Namespace: namespace, Dimensions: [[DIMENSION_CLUSTER, dimension], [dimension]], Metrics: [{ Name: metric, Unit: 'Count' }] }];
    directives.set(key, d);
  }
  return d;
}

export interface TaskEmfMembers {
  Cluster: string;
  ExitClass: string;
  TasksStopped: number;
  _aws: EmfMembers['_aws'];
}

/** For a task record: one stopped task, by how it ended (oom, killed, error, normal). */
export function taskEmfMembers(p: { namespace: string; timestamp: number; cluster?: string; exitClass: string }): TaskEmfMembers {
  return {
    Cluster: dimensionValue(p.cluster),
    ExitClass: dimensionValue(p.exitClass),
    TasksStopped: 1,
    _aws: { Timestamp: p.timestamp, CloudWatchMetrics: directivesFor(p.namespace, TASKS_METRIC_NAME, DIMENSION_EXIT_CLASS) },
  };
}

/** The top-level members to merge into an event so that it is a valid EMF document. */
export function emfMembers(p: { namespace: string; timestamp: number; cluster?: string; category: string; count: number }): EmfMembers {
  return {
    Cluster: dimensionValue(p.cluster),
    Category: dimensionValue(p.category),
    Findings: p.count,
    _aws: { Timestamp: p.timestamp, CloudWatchMetrics: directivesFor(p.namespace, METRIC_NAME, DIMENSION_CATEGORY) },
  };
}
