// Writes the SSM Command documents (schema 2.2) from the shell scripts in ssm/scripts and the files they install
// (systemd/). The scripts are the source: they are tested on their own against a temporary root, and each
// document runs exactly that text after setting the script's inputs from its parameters.
// `node ssm/build-documents.mjs` rewrites the documents; `--check` fails when they are out of date (the tests do this).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const read = (p) => readFileSync(path.join(root, p), 'utf8');

/** Script body as runCommand lines: without the shebang and the trailing newline. */
function body(script) {
  const lines = read(script).replace(/\n$/, '').split('\n');
  if (lines[0]?.startsWith('#!')) lines.shift();
  return lines;
}

/** Parameters reach the shell as single-quoted assignments; every interpolated parameter has an allowedPattern without quotes. */
const assign = (env, param) => `${env}='{{ ${param} }}'`;

const HEREDOC_END = 'ECS_TRIAGE_PAYLOAD_EOF';
function heredoc(target, file) {
  const text = read(file).replace(/\n$/, '');
  if (text.split('\n').includes(HEREDOC_END)) throw new Error(`${file} contains the heredoc terminator`);
  if (text.includes('{{')) throw new Error(`${file} contains "{{", which SSM would interpolate`);
  return [`cat >"$ECS_TRIAGE_PAYLOAD/${target}" <<'${HEREDOC_END}'`, ...text.split('\n'), HEREDOC_END];
}

const linux = { StringEquals: ['platformType', 'Linux'] };

const install = {
  schemaVersion: '2.2',
  description:
    'ecs-triage: install or upgrade the single-file bundle, Node.js (from the OS packages when missing), the default config and the hardened systemd service; enable and start it. Safe to run again.',
  parameters: {
    BundleSource: {
      type: 'String',
      description: 'Where to get dist/ecs-triage.mjs: s3://bucket/key (uses the aws CLI and the instance role) or an https:// URL.',
      allowedPattern: "^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9_./+=@-]{1,900}|https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?/[A-Za-z0-9_./+=@%?&~-]{1,1800})$",
    },
    Version: {
      type: 'String',
      description: 'The version the bundle must report (ecs-triage --version). Empty: accept what it reports.',
      default: '',
      allowedPattern: '^([0-9]{1,4}\\.[0-9]{1,4}\\.[0-9]{1,6}([-+][0-9A-Za-z.-]{1,40})?)?$',
    },
    Sha256: {
      type: 'String',
      description: 'SHA-256 of the bundle (sha256sum dist/ecs-triage.mjs). Empty: not checked.',
      default: '',
      allowedPattern: '^([a-f0-9]{64})?$',
    },
    NodeTarball: {
      type: 'String',
      description:
        'Optional s3:// or https:// Node.js 20.19+ distribution (.tar.gz/.tar.xz), unpacked into /opt/ecs-triage/node when no suitable node is installed. Needed on Amazon Linux 2, whose packages have none (use a glibc-2.17 build). Empty: install from the OS packages.',
      default: '',
      allowedPattern: "^(|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9_./+=@-]{1,900}|https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?/[A-Za-z0-9_./+=@%?&~-]{1,1800})$",
    },
    StartService: {
      type: 'String',
      description: 'true: enable and (re)start the ecs-triage service; false: only install.',
      default: 'true',
      allowedValues: ['true', 'false'],
      allowedPattern: '^(true|false)$',
    },
  },
  mainSteps: [
    {
      action: 'aws:runShellScript',
      name: 'install',
      precondition: linux,
      inputs: {
        timeoutSeconds: '900',
        workingDirectory: '/',
        runCommand: [
          assign('ECS_TRIAGE_SOURCE', 'BundleSource'),
          assign('ECS_TRIAGE_VERSION', 'Version'),
          assign('ECS_TRIAGE_SHA256', 'Sha256'),
          assign('ECS_TRIAGE_START', 'StartService'),
          assign('ECS_TRIAGE_NODE_TARBALL', 'NodeTarball'),
          'ECS_TRIAGE_PAYLOAD=$(mktemp -d "${TMPDIR:-/tmp}/ecs-triage-payload.XXXXXX") || exit 10',
          'ECS_TRIAGE_PAYLOAD_CLEANUP=1',
          'mkdir -p "$ECS_TRIAGE_PAYLOAD/al2" || exit 10',
          ...heredoc('ecs-triage.service', 'systemd/ecs-triage.service'),
          ...heredoc('al2/ecs-triage.service', 'systemd/al2/ecs-triage.service'),
          ...heredoc('config.yaml', 'systemd/config.yaml'),
          ...heredoc('service.md', 'systemd/service.md'),
          ...body('ssm/scripts/install.sh'),
        ],
      },
    },
  ],
};

const scan = {
  schemaVersion: '2.2',
  description:
    'ecs-triage: scan this container instance once (ECS agent and Docker logs, disk and container-log checks) and print the causes of task start failures. Format=summary prints the compact JSON that `ecs-triage fleet scan` reads.',
  parameters: {
    Since: { type: 'String', description: 'Look back this far: a number and s, m, h or d.', default: '2h', allowedPattern: '^[0-9]{1,6}[smhd]$' },
    Format: {
      type: 'String',
      description: 'text (for reading in the console), json (full report) or summary (compact JSON, always under the 24,000-character output limit).',
      default: 'text',
      allowedValues: ['text', 'json', 'summary'],
      allowedPattern: '^(text|json|summary)$',
    },
    FailOn: {
      type: 'String',
      description: 'Exit 1 (the command shows Failed) when a finding is at or above this severity; never: findings do not fail the command.',
      default: 'never',
      allowedValues: ['info', 'warn', 'error', 'critical', 'never'],
      allowedPattern: '^(info|warn|error|critical|never)$',
    },
    ExecutionTimeout: { type: 'String', description: 'Seconds before the scan is stopped.', default: '600', allowedPattern: '^[1-9][0-9]{0,4}$' },
  },
  mainSteps: [
    {
      action: 'aws:runShellScript',
      name: 'scan',
      precondition: linux,
      inputs: {
        timeoutSeconds: '{{ ExecutionTimeout }}',
        workingDirectory: '/',
        runCommand: [
          assign('ECS_TRIAGE_SINCE', 'Since'),
          assign('ECS_TRIAGE_FORMAT', 'Format'),
          assign('ECS_TRIAGE_FAIL_ON', 'FailOn'),
          ...body('ssm/scripts/scan.sh'),
        ],
      },
    },
  ],
};

const uninstall = {
  schemaVersion: '2.2',
  description: 'ecs-triage: stop and remove the service and the program. Purge=true also removes the config and the state (spool, checkpoints).',
  parameters: {
    Purge: {
      type: 'String',
      description: 'true: also remove /etc/ecs-triage and /var/lib/ecs-triage.',
      default: 'false',
      allowedValues: ['true', 'false'],
      allowedPattern: '^(true|false)$',
    },
  },
  mainSteps: [
    {
      action: 'aws:runShellScript',
      name: 'uninstall',
      precondition: linux,
      inputs: {
        timeoutSeconds: '300',
        workingDirectory: '/',
        runCommand: [assign('ECS_TRIAGE_PURGE', 'Purge'), ...body('ssm/scripts/uninstall.sh')],
      },
    },
  ],
};

export const DOCUMENTS = {
  'ssm/ecs-triage-Install.json': install,
  'ssm/ecs-triage-Scan.json': scan,
  'ssm/ecs-triage-Uninstall.json': uninstall,
};

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, doc] of Object.entries(DOCUMENTS)) {
    const text = JSON.stringify(doc, null, 2) + '\n';
    const target = path.join(root, file);
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing: stale
    }
    if (current === text) continue;
    stale++;
    if (check) console.error(`${file} is out of date: run node ssm/build-documents.mjs`);
    else writeFileSync(target, text), console.error(`wrote ${file}`);
  }
  process.exitCode = check && stale ? 1 : 0;
}
