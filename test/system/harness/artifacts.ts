// The "artifact bucket" the Install document downloads from: an HTTPS server inside the machine (Node.js, port
// 443 on 127.0.0.1) with a certificate made for this machine and trusted through the machine's CA store, so
// the installer's own `curl -fsSL https://…` runs unchanged. The host name resolves through /etc/hosts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ArtifactServerFiles {
  files: Array<{ path: string; content: string; mode: number }>;
  unit: string;
  /** The certificate (PEM) to trust. */
  caCert: string;
}

const SERVER = `// Test harness only: serves ROOT over HTTPS, GET and HEAD, 404 for anything missing.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:https';
import path from 'node:path';
const [root, key, cert] = process.argv.slice(2);
createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
  const rel = path.normalize(decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname));
  const file = path.join(root, rel);
  let st;
  try { st = file.startsWith(root + '/') ? statSync(file) : undefined; } catch { st = undefined; }
  if (!st || !st.isFile()) { res.writeHead(404).end('not found\\n'); return; }
  res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
  if (req.method === 'HEAD') { res.end(); return; }
  createReadStream(file).pipe(res);
}).listen(443, '127.0.0.1');
`;

export function artifactServerFiles(host: string, root: string): ArtifactServerFiles {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-system-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3', '-subj', `/CN=${host}`,
        '-addext', `subjectAltName=DNS:${host}`, '-keyout', key, '-out', cert],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl could not make the artifact server's certificate: ${r.stderr}`);
    const certPem = readFileSync(cert, 'utf8');
    const unit = 'harness-artifacts.service';
    return {
      unit,
      caCert: certPem,
      files: [
        { path: '/opt/harness/artifacts.mjs', content: SERVER, mode: 0o644 },
        { path: '/opt/harness/artifacts-key.pem', content: readFileSync(key, 'utf8'), mode: 0o600 },
        { path: '/opt/harness/artifacts-cert.pem', content: certPem, mode: 0o644 },
        // Where a local CA belongs on Debian, so a later update-ca-certificates keeps it.
        { path: '/usr/local/share/ca-certificates/harness-artifacts.crt', content: certPem, mode: 0o644 },
        {
          path: `/etc/systemd/system/${unit}`,
          content: [
            '[Unit]',
            'Description=Harness: HTTPS artifact bucket',
            '[Service]',
            `ExecStart=/usr/bin/node /opt/harness/artifacts.mjs ${root} /opt/harness/artifacts-key.pem /opt/harness/artifacts-cert.pem`,
            '[Install]',
            'WantedBy=multi-user.target',
            '',
          ].join('\n'),
          mode: 0o644,
        },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
