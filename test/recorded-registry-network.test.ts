// Recordings made for the registry/network side of the diagnosis issue (fixtures/recorded/registry-network,
// see fixtures/recorded/README.md): dockerd 20.10, containerd 1.6 (ctr) and skopeo 1.9 against registries
// that answer chosen statuses, in network namespaces without routes, with a missing credential helper. Each
// file yields exactly the categories listed, from the whole shipped rule set.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import { recordedLines } from './helpers/recorded.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { parseLine } from '../src/formats/index.js';
import type { Category, Finding, RecordSource } from '../src/types.js';

const DIR = path.resolve('fixtures/recorded/registry-network');

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

const lines = (file: string): string[] => recordedLines(DIR, file);

function findings(file: string): Finding[] {
  const source: RecordSource = file.startsWith('dockerd-') ? 'dockerd' : file.startsWith('ctr-') ? 'containerd' : 'unknown';
  return lines(file).flatMap((l) => rules.classify(parseLine(l, { source })) ?? []);
}

const NONE: Category[] = [];
const EXPECTED: Record<string, { categories: Category[]; rule?: string }> = {
  'api-invalid-reference-bad-tag.txt': { categories: ['invalid_image_reference'] },
  'api-invalid-reference-double-colon.txt': { categories: ['invalid_image_reference'] },
  'api-invalid-reference-space.txt': { categories: ['invalid_image_reference'] },
  'api-invalid-reference-uppercase.txt': { categories: ['invalid_image_reference'] },
  'cli-login-credsstore-helper-missing.txt': { categories: ['credential_helper_failure'], rule: 'credential-helper-not-found' },
  'cli-pull-401-text-body.txt': { categories: ['registry_auth_denied'] },
  'cli-pull-403-json-body.txt': { categories: ['registry_auth_denied'] },
  'cli-pull-502-text-body.txt': { categories: ['registry_server_error'] },
  'cli-pull-530-no-phrase.txt': { categories: ['registry_server_error'] },
  'cli-pull-connection-reset.txt': { categories: ['network_timeout'], rule: 'registry-connection-reset' },
  'cli-pull-dns-cgo-temporary-failure.txt': { categories: ['dns_failure'], rule: 'dns-temporary-failure' },
  'cli-pull-dns-network-unreachable.txt': { categories: ['dns_failure'], rule: 'dns-lookup-timeout' },
  'cli-pull-invalid-reference-tag.txt': { categories: ['invalid_image_reference'] },
  'cli-pull-invalid-reference-uppercase.txt': { categories: ['invalid_image_reference'] },
  'cli-pull-layer-s3-403.txt': { categories: ['registry_auth_denied'], rule: 'ecr-layer-s3-forbidden' },
  'cli-pull-network-unreachable.txt': { categories: ['network_timeout'], rule: 'network-unreachable' },
  'cli-pull-no-route-to-host.txt': { categories: ['network_timeout'], rule: 'no-route-to-host' },
  'cli-pull-ping-404.txt': { categories: NONE },
  'ctr-connection-reset.txt': { categories: ['network_timeout'], rule: 'registry-connection-reset' },
  // containerd parses upper-case repositories; the registry then has no such name.
  'ctr-invalid-reference.txt': { categories: ['image_not_found'] },
  'ctr-layer-s3-403.txt': { categories: ['registry_auth_denied'], rule: 'registry-forbidden' },
  'ctr-manifest-401.txt': { categories: ['registry_auth_denied'], rule: 'registry-unauthorized' },
  'ctr-manifest-403.txt': { categories: ['registry_auth_denied'], rule: 'registry-forbidden' },
  'ctr-manifest-502.txt': { categories: ['registry_server_error'], rule: 'registry-http-5xx' },
  'ctr-manifest-530.txt': { categories: ['registry_server_error'], rule: 'registry-http-5xx' },
  'ctr-platform-arm64.txt': { categories: NONE },
  'ctr-tag-not-found.txt': { categories: ['image_not_found'] },
  'dockerd-pull-401-text-body.log': { categories: ['registry_auth_denied'] },
  'dockerd-pull-403-json-body.log': { categories: ['registry_auth_denied'] },
  'dockerd-pull-502-text-body.log': { categories: ['registry_server_error'] },
  'dockerd-pull-530-no-phrase.log': { categories: ['registry_server_error'] },
  'dockerd-pull-connection-reset.log': { categories: ['network_timeout'], rule: 'registry-connection-reset' },
  'dockerd-pull-dns-cgo-temporary-failure.log': { categories: ['dns_failure'] },
  'dockerd-pull-dns-network-unreachable.log': { categories: ['dns_failure'] },
  'dockerd-pull-layer-s3-403.log': { categories: ['registry_auth_denied'], rule: 'ecr-layer-s3-forbidden' },
  'dockerd-pull-network-unreachable.log': { categories: ['network_timeout'], rule: 'network-unreachable' },
  'dockerd-pull-no-route-to-host.log': { categories: ['network_timeout'], rule: 'no-route-to-host' },
  // Docker ignores a 404 from the base endpoint and pulls: only the benign fallback lines.
  'dockerd-pull-ping-404.log': { categories: NONE },
  'skopeo-connection-reset.txt': { categories: ['network_timeout'] },
  'skopeo-credhelper-missing.txt': { categories: ['credential_helper_failure'] },
  'skopeo-invalid-reference.txt': { categories: ['invalid_image_reference'] },
  'skopeo-layer-s3-403.txt': { categories: ['registry_auth_denied'] },
  'skopeo-manifest-401.txt': { categories: ['registry_auth_denied'] },
  'skopeo-manifest-403.txt': { categories: ['registry_auth_denied'] },
  'skopeo-manifest-502.txt': { categories: ['registry_server_error'] },
  'skopeo-manifest-530.txt': { categories: ['registry_server_error'] },
  'skopeo-ping-404.txt': { categories: ['registry_server_error'], rule: 'registry-ping-unsupported' },
  'skopeo-tag-not-found.txt': { categories: ['image_not_found'] },
};

describe('recordings of dockerd, containerd and skopeo (fixtures/recorded/registry-network)', () => {
  it('lists every recording', () => {
    expect(readdirSync(DIR).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, want) => {
    const found = findings(file);
    expect([...new Set(found.map((f) => f.category))].sort()).toEqual([...want.categories].sort());
    if (want.rule) expect(found.map((f) => f.ruleId)).toContain(want.rule);
  });
});
