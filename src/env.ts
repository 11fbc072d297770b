// The environment variables ecs-triage reads, and the only module that touches `process.env`. Code that needs
// a variable takes an `env` argument (tests pass their own) whose default is processEnv(). The AWS SDK reads
// its own variables (credentials, AWS_ENDPOINT_URL_*, AWS_PROFILE …) from the process environment itself.

export const ENVIRONMENT: ReadonlyArray<{ name: string; meaning: string }> = [
  { name: 'ECS_TRIAGE_CONFIG', meaning: 'config file used when `--config` is not given' },
  { name: 'ECS_TRIAGE_LOG_LEVEL', meaning: 'overrides `logLevel` (debug, info, warn, error) for every command' },
  { name: 'ECS_TRIAGE_INTROSPECTION_URL', meaning: "the ECS agent's introspection endpoint (default http://127.0.0.1:51678)" },
  { name: 'ECS_TRIAGE_SCAN_WORKERS', meaning: '`scan`: most worker threads for one large file (1–4)' },
  { name: 'ECS_TRIAGE_PARALLEL_MIN_BYTES', meaning: '`scan`: smallest file split across worker threads (default 64 MiB)' },
  { name: 'ECS_TRIAGE_SCAN_PIECE_BYTES', meaning: '`scan`: the pieces of a large file that threads take in turn (default 32 MiB)' },
  { name: 'ECS_TRIAGE_ROOT', meaning: 'SSM scripts: the host root they install into and scan' },
  { name: 'ECS_TRIAGE_RUSAGE', meaning: 'benchmarks: print the resource usage on exit' },
  { name: 'JOURNAL_STREAM', meaning: 'set by systemd: when stderr is that stream, diagnostics carry their syslog priority (`<3>` …) and no time' },
  { name: 'NOTIFY_SOCKET', meaning: 'set by systemd for `Type=notify`: `watch` reports READY=1 through `systemd-notify` once it runs' },
  { name: 'COLUMNS', meaning: 'text reports: the width to wrap at (default: the terminal\'s width, 80 when not a terminal)' },
  { name: 'NO_COLOR', meaning: 'text reports: no colours even on a terminal (https://no-color.org)' },
  { name: 'TERM', meaning: 'text reports: `dumb` turns colours off' },
  { name: 'AWS_REGION, AWS_DEFAULT_REGION', meaning: 'the Region when none is configured (before IMDS)' },
  { name: 'AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE, AWS_EC2_METADATA_V1_DISABLED', meaning: 'IMDS, read as the AWS SDK reads them' },
  { name: 'AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL_ECS', meaning: '`fleet scan`: endpoint overrides for SSM and ECS (the SDK reads `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` itself)' },
  { name: 'AWS_PROFILE, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, HOME', meaning: 'the named profile and the files it is read from (`~/.aws/config`, `~/.aws/credentials`), as the AWS CLI reads them; `--profile` wins' },
  { name: 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', meaning: 'ignore endpoint URLs set in the environment or the profile, as the AWS CLI does' },
  { name: 'HTTPS_PROXY, HTTP_PROXY, NO_PROXY', meaning: 'every AWS client connects through this proxy (lower-case spellings too), except for hosts in NO_PROXY, as the ECS and CloudWatch agents do' },
  { name: 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', meaning: 'set to `true` by ecs-triage before it builds an SDK client (the SDK warns on Node 20)' },
];

export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** The AWS SDK warns on Node 20 when a client is built; the operator cannot act on it mid-incident. */
export function silenceSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
