// A small client for the few EC2 Query actions `task` needs (Describe* of subnets, route tables, VPC endpoints,
// security groups, network interfaces, instances). The SDK's EC2 client adds 1.6 MB to the single-file bundle and
// about a sixth to every start-up, `--help` included; this signs with the SDK's own SigV4 signer and credentials,
// sends through the same proxy-aware handler as every other client, and reads EC2's XML with the SDK's parser.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity } from '@smithy/types';

/** The API version every EC2 Query request names. */
export const EC2_API_VERSION = '2016-11-15';
const MAX_ATTEMPTS = 3;
const RETRYABLE = /^(?:RequestLimitExceeded|Throttling|ThrottlingException|InternalError|ServiceUnavailable|Unavailable|InsufficientInstanceCapacity)$/;
const NETWORK = /^(?:ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNABORTED)$/;

/** An EC2 error answer (`<Response><Errors><Error><Code>…`), shaped like the SDK's service exceptions. */
export class Ec2ServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  constructor(code: string, message: string, status: number, requestId?: string) {
    super(message || code);
    this.name = code;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
  }
}

/** SigV4 wants a hash constructor: SHA-256, or HMAC-SHA-256 when given a key. */
type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Bytes): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: Bytes) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Bytes): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue;
}

/** EC2 lists are `<fooSet><item>…</item></fooSet>`; the parser gives '' for an empty one and an object for one item. */
export function items(set: XmlValue | undefined): XmlObject[] {
  if (set === undefined || typeof set === 'string') return [];
  if (Array.isArray(set)) return set.filter((x): x is XmlObject => typeof x === 'object' && !Array.isArray(x));
  const inner = set.item;
  if (inner === undefined) return [];
  return (Array.isArray(inner) ? inner : [inner]).filter((x): x is XmlObject => typeof x === 'object' && !Array.isArray(x));
}

export function text(v: XmlValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Query parameters for a list: `SubnetId.1=…&SubnetId.2=…`. */
export function listParams(name: string, values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  values.forEach((v, i) => (out[`${name}.${i + 1}`] = v));
  return out;
}

/** `Filter.N.Name` / `Filter.N.Value.M`. */
export function filterParams(filters: ReadonlyArray<{ name: string; values: readonly string[] }>): Record<string, string> {
  const out: Record<string, string> = {};
  filters.forEach((f, i) => {
    out[`Filter.${i + 1}.Name`] = f.name;
    f.values.forEach((v, j) => (out[`Filter.${i + 1}.Value.${j + 1}`] = v));
  });
  return out;
}

export interface Ec2QueryOptions {
  region: string;
  endpoint?: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  requestHandler: NodeHttpHandler;
  sleep?: (ms: number) => Promise<void>;
}

export class Ec2QueryClient {
  private readonly url: URL;
  private signer: Promise<{ sign(req: unknown): Promise<unknown> }> | undefined;

  constructor(private readonly opts: Ec2QueryOptions) {
    const dns = opts.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    this.url = new URL(opts.endpoint ?? `https://ec2.${opts.region}.${dns}`);
  }

  private async signerFor(): Promise<{ sign(req: unknown): Promise<unknown> }> {
    this.signer ??= import('@smithy/signature-v4').then(
      ({ SignatureV4 }) => new SignatureV4({ service: 'ec2', region: this.opts.region, credentials: this.opts.credentials, sha256: Sha256 }) as never,
    );
    return this.signer;
  }

  /** One call; throttling, 5xx and dropped connections are tried again (3 attempts, jittered backoff). */
  async call(action: string, params: Record<string, string> = {}): Promise<XmlObject> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(action, params);
      } catch (err) {
        const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
        const retry = RETRYABLE.test(e.name ?? '') || NETWORK.test(e.code ?? '') || e.name === 'TimeoutError' || (e.$metadata?.httpStatusCode ?? 0) >= 500;
        if (!retry || attempt >= MAX_ATTEMPTS) throw err;
        const base = /Limit|Throttl/.test(e.name ?? '') ? 500 : 100;
        await sleep(Math.random() * Math.min(base * 2 ** attempt, 20_000));
      }
    }
  }

  /** Every page of a Describe* action: follows NextToken, returns the items of `setName` from each page. */
  async paginate(action: string, params: Record<string, string>, setName: string): Promise<XmlObject[]> {
    const out: XmlObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(action, { ...params, ...(token ? { NextToken: token } : {}) });
      out.push(...items(page[setName]));
      token = text(page.nextToken);
    } while (token);
    return out;
  }

  private async once(action: string, params: Record<string, string>): Promise<XmlObject> {
    const [{ HttpRequest }, { parseXML }, signer] = await Promise.all([import('@smithy/core/protocols'), import('@aws-sdk/xml-builder'), this.signerFor()]);
    const body = new URLSearchParams({ Action: action, Version: EC2_API_VERSION, ...params }).toString();
    const port = this.url.port ? Number(this.url.port) : undefined;
    const request = new HttpRequest({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      ...(port ? { port } : {}),
      path: this.url.pathname || '/',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        host: this.url.host,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    const signed = (await signer.sign(request)) as InstanceType<typeof HttpRequest>;
    const { response } = await this.opts.requestHandler.handle(signed);
    const raw = await readBody(response.body);
    const status = response.statusCode;
    const requestId = response.headers['x-amzn-requestid'];
    let doc: Record<string, XmlValue>;
    try {
      doc = raw.trim() ? (parseXML(raw) as Record<string, XmlValue>) : {};
    } catch {
      throw new Ec2ServiceError(status >= 500 ? 'InternalError' : 'UnknownError', `EC2 ${action}: HTTP ${status}, answer is not XML`, status, requestId);
    }
    if (status < 200 || status >= 300) {
      const root = doc.Response as XmlObject | undefined;
      const errors = (root?.Errors as XmlObject | undefined)?.Error;
      const error = (Array.isArray(errors) ? errors[0] : errors) as XmlObject | undefined;
      const code = text(error?.Code) ?? (status === 403 ? 'UnauthorizedOperation' : status >= 500 ? 'InternalError' : 'UnknownError');
      throw new Ec2ServiceError(code, text(error?.Message) ?? `HTTP ${status}`, status, text(root?.RequestID) ?? requestId);
    }
    const top = Object.values(doc)[0];
    if (!top || typeof top !== 'object' || Array.isArray(top)) throw new Ec2ServiceError('UnknownError', `EC2 ${action}: empty answer`, status, requestId);
    return top;
  }
}

async function readBody(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}
