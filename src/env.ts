// The environment variables ecs-triage reads, and the only module that touches `process.env`. Code that needs
// a variable takes an `env` argument (tests pass their own) whose default is processEnv(). The AWS SDK reads
// its own variables (credentials, AWS_ENDPOINT_URL_*, AWS_PROFILE …) from the process environment itself.

export const ENVIRONMENT: ReadonlyArray<{ name: string; meaning: string }> = [
  { name: 'ECS_TRIAGE_CONFIG', meaning: 'config file used when `--config` is not given' },
  { name: 'ECS_TRIAGE_LOG_LEVEL', meaning: 'overrides `logLevel` (debug, info, warn, error) for every command' },
  { name: 'ECS_TRIAGE_INTROSPECTION_URL', meaning: "the ECS agent's introspection endpoint (default http://127.0.0.1:51678)" },
  { name: 'ECS_TRIAGE_SCAN_WORKERS', meaning: '`scan`: most worker threads for one large file (1–4)' },
  { name: 'ECS_TRIAGE_PARALLEL_MIN_BYTES', meaning: '`scan`: smallest file split across worker threads (default 64 MiB)' },
  { name: 'ECS_TRIAGE_ROOT', meaning: 'SSM scripts: the host root they install into and scan' },
  { name: 'ECS_TRIAGE_RUSAGE', meaning: 'benchmarks: print the resource usage on exit' },
  { name: 'AWS_REGION, AWS_DEFAULT_REGION', meaning: 'the Region when none is configured (before IMDS)' },
  { name: 'AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_SERVICE_ENDPOINT', meaning: 'IMDS, as the AWS SDK reads them' },
];

export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** The AWS SDK warns on Node 20 when a client is built; the operator cannot act on it mid-incident. */
export function silenceSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
