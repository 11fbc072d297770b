// Local Secrets Manager (`X-Amz-Target: secretsmanager.<Op>`) and KMS (`TrentService.<Op>`) endpoints, AWS JSON
// 1.1, with the read-only calls `task` makes: DescribeSecret and DescribeKey. Secrets are found by name or by
// ARN (full, or without the six-character suffix, as the service accepts); unknown ones answer
// ResourceNotFoundException / NotFoundException with the services' messages.
import { AwsFault, startJsonServer, type JsonServer } from './fleet-json.js';

export interface FakeSecret {
  /** Full ARN, with the random suffix: arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf */
  arn: string;
  kmsKeyId?: string;
}

export interface FakeKey {
  arn: string;
  aliases?: string[];
  state?: 'Enabled' | 'Disabled' | 'PendingDeletion';
}

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:([\w-]+):(\d{12}):secret:(.+)-[A-Za-z0-9]{6}$/;

export async function startSecretsManagerServer(secrets: FakeSecret[]): Promise<JsonServer> {
  return startJsonServer('secretsmanager', (op, body, scope) => {
    if (op !== 'DescribeSecret') throw new AwsFault('UnknownOperationException', `operation ${op} is not implemented by the test server`);
    const id = body.SecretId;
    if (typeof id !== 'string' || id.length < 1 || id.length > 2048) throw new AwsFault('InvalidParameterException', 'SecretId must be 1-2048 characters');
    const s = secrets.find((x) => {
      const m = SECRET_ARN.exec(x.arn)!;
      if (id.startsWith('arn:')) return x.arn === id || `arn:aws:secretsmanager:${m[1]}:${m[2]}:secret:${m[3]}` === id;
      return m[1] === scope.region && m[3] === id;
    });
    if (!s) throw new AwsFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    const m = SECRET_ARN.exec(s.arn)!;
    return {
      ARN: s.arn,
      Name: m[3],
      ...(s.kmsKeyId ? { KmsKeyId: s.kmsKeyId } : {}),
      LastChangedDate: Date.parse('2026-10-01T00:00:00Z') / 1000,
      CreatedDate: Date.parse('2026-01-01T00:00:00Z') / 1000,
      VersionIdsToStages: { 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111': ['AWSCURRENT'] },
    };
  });
}

export async function startKmsServer(keys: FakeKey[]): Promise<JsonServer> {
  return startJsonServer('TrentService', (op, body) => {
    if (op !== 'DescribeKey') throw new AwsFault('UnknownOperationException', `operation ${op} is not implemented by the test server`);
    const id = body.KeyId;
    if (typeof id !== 'string' || !id) throw new AwsFault('ValidationException', "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
    const k = keys.find((x) => x.arn === id || x.arn.endsWith(`:key/${id}`) || (x.aliases ?? []).some((a) => a === id || id.endsWith(`:${a}`)));
    if (!k) {
      throw new AwsFault('NotFoundException', id.includes('alias/') ? `Alias ${id} is not found.` : `Key '${id}' does not exist`);
    }
    const [, , , region, account, resource] = k.arn.split(':');
    return {
      KeyMetadata: {
        AWSAccountId: account,
        KeyId: resource!.slice('key/'.length),
        Arn: k.arn,
        Enabled: (k.state ?? 'Enabled') === 'Enabled',
        KeyState: k.state ?? 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyManager: 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Origin: 'AWS_KMS',
        CreationDate: Date.parse('2026-01-01T00:00:00Z') / 1000,
        Description: `test key in ${region}`,
      },
    };
  });
}
