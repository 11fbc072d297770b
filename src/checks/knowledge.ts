// What each host check means and what to do about it. Data, kept apart from the code that measures.
import type { Category } from '../types.js';

export interface CheckKnowledge {
  ruleId: string;
  category: Category;
  title: string;
  causes: readonly string[];
  remediation: readonly string[];
}

const CLEANUP_SETTINGS =
  'Let the ECS agent clean up sooner: in /etc/ecs/ecs.config lower ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION (default 3h: ' +
  'stopped task containers, their writable layers and their logs stay on disk that long), lower ECS_IMAGE_CLEANUP_INTERVAL ' +
  '(default 30m) and ECS_IMAGE_MINIMUM_CLEANUP_AGE (default 1h), raise ECS_NUM_IMAGES_DELETE_PER_CYCLE (default 5), and make sure ' +
  'ECS_DISABLE_IMAGE_CLEANUP is not true; then `sudo systemctl restart ecs`.';

const PRUNE =
  'To free space now: `docker system prune` removes stopped containers, unused networks, dangling images and build cache ' +
  '(add `-a` to remove every image no running container uses, `--volumes` for unused volumes). Consequences: logs of stopped ' +
  'containers are gone (copy what you need first), later tasks pull their images again (slower starts, registry traffic and ' +
  'rate limits), and the ECS agent may log errors for containers it still tracked. Never delete files under the data root by hand.';

const BIGGER_VOLUME =
  'If the host is simply too small for its workload: give Docker a larger volume (for the ECS-optimized AMI, a larger root or ' +
  'data EBS volume in the launch template, then grow the filesystem with `growpart` and `xfs_growfs`/`resize2fs`), or place fewer tasks on it.';

const LOG_LIMITS =
  'Bound json-file logs per task: in the task definition container `logConfiguration` set `"logDriver": "json-file"` with ' +
  '`"options": {"max-size": "10m", "max-file": "3"}`; it applies when the tasks are replaced (new deployment).';

const DAEMON_DEFAULTS =
  'Bound them host-wide: in /etc/docker/daemon.json set `"log-opts": {"max-size": "10m", "max-file": "3"}` (values are strings), ' +
  'then restart Docker; it applies only to containers created afterwards, and ECS AMIs ship without this file so the default is unlimited.';

const AWSLOGS =
  'Or ship container output off the host: the `awslogs` log driver (task definition `logConfiguration`) sends stdout/stderr to ' +
  'CloudWatch Logs and keeps no json-file on disk (its non-blocking mode buffers in memory instead).';

export const KNOWLEDGE = {
  diskPressure: {
    ruleId: 'host-disk-pressure',
    category: 'disk_pressure',
    title: 'Filesystem is nearly full',
    causes: [
      'Container json-file logs without max-size, growing for as long as the container runs.',
      'Images and the writable layers of stopped containers piling up faster than the ECS agent cleans them up.',
      'A volume too small for the images and tasks placed on this host.',
    ],
    remediation: [
      'Find what is big: `docker system df -v` and `sudo du -xh --max-depth=2 /var/lib/docker | sort -h | tail`; the container log table below lists the largest logs.',
      CLEANUP_SETTINGS,
      PRUNE,
      LOG_LIMITS,
      BIGGER_VOLUME,
    ],
  },
  inodePressure: {
    ruleId: 'host-inode-pressure',
    category: 'inode_pressure',
    title: 'Filesystem is running out of inodes',
    causes: [
      'Very many small files: image layers with many files (node_modules, Python site-packages), many images kept, or an application writing many small files into its writable layer.',
      'A filesystem made with few inodes (ext4 with a large bytes-per-inode ratio); xfs allocates inodes dynamically and rarely hits this.',
    ],
    remediation: [
      'Deleting large files does not help here: the count of files is the problem. Find where they are: `sudo du --inodes -x --max-depth=3 /var/lib/docker | sort -n | tail`.',
      CLEANUP_SETTINGS,
      PRUNE,
      'For the long run: a filesystem with more inodes (ext4 `mkfs -N`/`-i`, or xfs) on a larger volume.',
    ],
  },
  logUnbounded: {
    ruleId: 'host-container-log-unbounded',
    category: 'container_log_unbounded',
    title: 'Container log has no size limit',
    causes: [
      'The container uses the json-file log driver with no max-size in its log options nor in daemon.json: Docker never rotates the file, and it grows until the disk is full.',
    ],
    remediation: [LOG_LIMITS, DAEMON_DEFAULTS, AWSLOGS],
  },
  logOversize: {
    ruleId: 'host-container-log-oversize',
    category: 'container_log_oversize',
    title: 'Container log is very large',
    causes: [
      'A chatty application (debug logging, a retry loop logging each attempt) with no or a generous max-size.',
      'A long-running container: json-file keeps everything it ever printed unless max-size bounds it.',
    ],
    remediation: [
      'Do not delete the live `<id>-json.log`: dockerd keeps it open, so the space is not freed until the container is removed. In an emergency `sudo truncate -s 0` it (dockerd appends, so the space comes back at once; the output is lost, and Docker\'s own max-size count is off until the next rotation). Better: replace the task; its logs go when the container is removed, after ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION.',
      LOG_LIMITS,
      DAEMON_DEFAULTS,
      AWSLOGS,
      'Lower the application\'s log level or stop the loop that floods the log.',
    ],
  },
} as const satisfies Record<string, CheckKnowledge>;
