// What `explain` can still say about a line no rule recognises: the error wrapper it starts with (the ECS
// agent's named errors, agent/dockerclient/dockerapi/errors.go and agent/api/errors at v1.105.0) or the
// task's stop code (the TaskStopCode enum of the ECS API), and where the real cause is written.

export interface KnownName {
  /** What the wrapper or stop code means, in one sentence. */
  meaning: string;
  /** Commands or places to look next, most useful first. */
  next: string[];
}

const ON_HOST_PULL = [
  'On the container instance: ecs-triage scan (it reads the agent, Docker and containerd logs together).',
  "Or read the full error there: journalctl -u docker -u containerd --since '-2h' | grep -iE 'error|denied|status' and grep -h 'pull' /var/log/ecs/ecs-agent.log*",
];
const ON_HOST_START = [
  'On the container instance: ecs-triage scan.',
  "Or read dockerd's side: journalctl -u docker --since '-2h' | grep -iE 'level=error|returned error'",
];

/** Error names that open a stopped reason or an agent error; the cause is what follows the colon. */
export const WRAPPERS: Readonly<Record<string, KnownName>> = {
  CannotPullContainerError: { meaning: 'The image could not be pulled; the text after the name is the error Docker or containerd gave the agent.', next: ON_HOST_PULL },
  CannotPullECRContainerError: { meaning: 'The agent could not get ECR credentials (an ECR API call failed) before pulling the image.', next: ['Check the task execution role and the route to api.ecr.REGION.amazonaws.com.', ...ON_HOST_PULL] },
  CannotPullImageManifestError: { meaning: 'The agent could not read the image manifest from the registry (it pins tags to digests before pulling).', next: ON_HOST_PULL },
  CannotPullContainerAuthError: { meaning: 'The agent could not get the registry credentials the task names (repositoryCredentials or ECR).', next: ON_HOST_PULL },
  CannotCreateContainerError: { meaning: 'Docker refused to create the container (its configuration, a name conflict, a volume or logging driver).', next: ON_HOST_START },
  CannotStartContainerError: { meaning: 'Docker created the container but could not start it (entrypoint, mounts, ports, runtime).', next: ON_HOST_START },
  CannotInspectContainerError: { meaning: 'The agent could not read the container state from Docker (dockerd slow, hung or restarting).', next: ['Check dockerd: systemctl status docker; journalctl -u docker --since -1h', ...ON_HOST_START] },
  CannotStopContainerError: { meaning: 'Docker did not stop the container when asked.', next: ON_HOST_START },
  CannotCreateVolumeError: { meaning: 'Docker could not create a volume the task defines.', next: ON_HOST_START },
  DockerTimeoutError: { meaning: 'Docker did not answer the agent in time for a container or image operation.', next: ['Check dockerd health and load: systemctl status docker; journalctl -u docker --since -1h', ...ON_HOST_START] },
  ResourceInitializationError: { meaning: 'A start-up resource of the task failed before any container ran: secrets, registry credentials, the logging driver, volumes, environment files.', next: ['The text after the name names the resource; check the task execution role for it.', 'On the container instance: ecs-triage scan.'] },
  ContainerRuntimeError: { meaning: 'The container runtime failed to run the container.', next: ON_HOST_START },
  ContainerRuntimeTimeoutError: { meaning: 'The container runtime did not start or stop the container in time.', next: ON_HOST_START },
  ContainerNetworkingError: { meaning: 'The task network (awsvpc ENI or CNI plugin) could not be set up.', next: ['grep -h -iE "eni|cni" /var/log/ecs/ecs-agent.log* /var/log/ecs/vpc-branch-eni.log* 2>/dev/null', 'On the container instance: ecs-triage scan.'] },
  OutOfMemoryError: { meaning: 'A container was killed for using more memory than its limit.', next: ['On the container instance: ecs-triage scan (reads the kernel OOM report).', 'Raise memory/memoryReservation or find the leak.'] },
  TaskFailedToStart: { meaning: 'ECS could not start the task; the text after the name gives the reason (placement, resources, an error from the agent).', next: ["aws ecs describe-services --cluster CLUSTER --services SERVICE --query 'services[].events[:10]'"] },
  HostConfigError: { meaning: "The agent could not build Docker's host configuration for the container from the task definition.", next: ON_HOST_START },
  TaskDependencyError: { meaning: 'A container dependency (dependsOn) was never satisfied.', next: ['Check the dependency container: its exit code and health check.', 'On the container instance: ecs-triage scan.'] },
};

/** The TaskStopCode values of the ECS API (@aws-sdk/client-ecs TaskStopCode). */
export const STOP_CODES: Readonly<Record<string, KnownName>> = {
  TaskFailedToStart: { meaning: 'The task never reached RUNNING: a container could not be pulled, created or started, or a start-up resource failed.', next: ['Read stoppedReason and each container reason (ecs-triage explain < describe-tasks.json).', 'On the container instance: ecs-triage scan.'] },
  EssentialContainerExited: { meaning: 'An essential container exited, so ECS stopped the task; its exit code says how.', next: ["aws ecs describe-tasks --cluster CLUSTER --tasks TASK --query 'tasks[].containers[].[name,exitCode,reason]'", "Read the container's own logs (awslogs group, or docker logs on the host)."] },
  UserInitiated: { meaning: 'Someone or something called StopTask (a person, a script, a deployment tool); not a failure of the task itself.', next: ['Find who: CloudTrail StopTask events for the task.'] },
  ServiceSchedulerInitiated: { meaning: 'The service scheduler stopped the task (a deployment, scale-in, or a failed health check).', next: ["aws ecs describe-services --cluster CLUSTER --services SERVICE --query 'services[].events[:10]'"] },
  SpotInterruption: { meaning: 'The Spot capacity behind the task was reclaimed.', next: ['Expected with Spot; spread across capacity providers and keep tasks able to restart elsewhere.'] },
  TerminationNotice: { meaning: 'The instance behind the task was being terminated or drained.', next: ['Check Auto Scaling activity and instance draining for the container instance.'] },
  InfrastructureHealth: { meaning: 'ECS stopped the task because the infrastructure under it was unhealthy.', next: ['Check the container instance (agent connected, instance status checks) and AWS Health events.'] },
};

const WRAPPER_AT_START = /^\s*(?:\[)?([A-Z][A-Za-z]+(?:Error|ToStart))\]?\s*:/;
const WRAPPER_ANYWHERE = /\b(Cannot[A-Za-z]+Error|DockerTimeoutError|ResourceInitializationError|ContainerRuntime(?:Timeout)?Error|ContainerNetworkingError|OutOfMemoryError|TaskFailedToStart)\b/;

/** The wrapper a line starts with (or, failing that, names), when it is one `explain` knows. */
export function knownWrapper(line: string): { name: string; known: KnownName } | undefined {
  const name = WRAPPER_AT_START.exec(line)?.[1] ?? WRAPPER_ANYWHERE.exec(line)?.[1];
  const known = name ? WRAPPERS[name] : undefined;
  return name && known ? { name, known } : undefined;
}

export function knownStopCode(code: string | undefined): KnownName | undefined {
  return code ? STOP_CODES[code] : undefined;
}
