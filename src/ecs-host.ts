// Fixed facts of an ECS container instance that several parts read (facts sheet §6.1, §7): where the agent's
// introspection API and the Docker Engine API listen, and the labels the agent puts on every task container.
// Declared once here; the configuration keys take their defaults from it.

/** The ECS agent's introspection API (plain HTTP, host network, blocked off-host by ecs-init's iptables rule). */
export const INTROSPECTION_DEFAULT_BASE = 'http://127.0.0.1:51678';
/** The Docker Engine API's unix socket. */
export const DOCKER_SOCKET_DEFAULT = '/var/run/docker.sock';

/** Labels the agent sets on the Docker containers of a task (`Config.Labels`). */
export const ECS_LABELS = {
  taskArn: 'com.amazonaws.ecs.task-arn',
  containerName: 'com.amazonaws.ecs.container-name',
  family: 'com.amazonaws.ecs.task-definition-family',
  revision: 'com.amazonaws.ecs.task-definition-version',
  cluster: 'com.amazonaws.ecs.cluster',
} as const;
