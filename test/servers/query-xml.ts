// The AWS Query protocol as IAM and EC2 speak it: `POST /` with a form body (`Action=…&Version=…&Param.member.1=…`),
// XML answers. IAM wraps results in `<OpResponse><OpResult>` with `<member>` lists and answers errors as
// `<ErrorResponse><Error><Type/><Code/><Message/></Error>`; EC2 puts results straight under `<OpResponse>` with a
// `<requestId>`, uses `<item>` lists, and answers errors as `<Response><Errors><Error><Code/><Message/>`.
import http from 'node:http';
import { listenLocal } from './listen.js';
import { randomUUID } from 'node:crypto';
import { scopeOf, type RequestScope } from './fleet-json.js';
import { xmlEscape } from './aws-front.js';

export type Dialect = 'iam' | 'ec2';

export class QueryFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type XmlData = string | number | boolean | Date | null | undefined | XmlData[] | { [k: string]: XmlData };

/** Objects become elements, arrays become lists of `<member>` (IAM) or `<item>` (EC2); undefined is left out. */
export function toXml(v: XmlData, listItem: 'member' | 'item'): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => `<${listItem}>${toXml(x, listItem)}</${listItem}>`).join('');
  if (typeof v === 'object') {
    return Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `<${k}>${toXml(x, listItem)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(v));
}

/** `Name.member.1`, `Name.member.2` … (IAM) or `Name.1`, `Name.2` … (EC2) → the values in order. */
export function listParam(params: URLSearchParams, name: string, dialect: Dialect): string[] {
  const out: string[] = [];
  const prefix = dialect === 'iam' ? `${name}.member.` : `${name}.`;
  for (let i = 1; ; i++) {
    const v = params.get(`${prefix}${i}`);
    if (v === null) break;
    out.push(v);
  }
  return out;
}

/** EC2 `Filter.N.Name` / `Filter.N.Value.M`. */
export function filtersOf(params: URLSearchParams): Array<{ name: string; values: string[] }> {
  const out: Array<{ name: string; values: string[] }> = [];
  for (let i = 1; ; i++) {
    const name = params.get(`Filter.${i}.Name`);
    if (name === null) break;
    out.push({ name, values: listParam(params, `Filter.${i}.Value`, 'ec2') });
  }
  return out;
}

export type QueryHandler = (op: string, params: URLSearchParams, scope: RequestScope) => XmlData | Promise<XmlData>;

export interface QueryServer {
  endpoint: string;
  calls: Array<{ op: string; params: URLSearchParams; scope: RequestScope }>;
  close(): Promise<void>;
}

const VERSION: Record<Dialect, string> = { iam: '2010-05-08', ec2: '2016-11-15' };
const NAMESPACE: Record<Dialect, string> = { iam: 'https://iam.amazonaws.com/doc/2010-05-08/', ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/' };

export async function startQueryServer(dialect: Dialect, handle: QueryHandler): Promise<QueryServer> {
  const calls: QueryServer['calls'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = randomUUID();
      const send = (status: number, body: string): void => {
        res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId });
        res.end(body);
      };
      const fail = (f: QueryFault): void => {
        if (dialect === 'iam') {
          send(
            f.status,
            `<ErrorResponse xmlns="${NAMESPACE.iam}">\n  <Error>\n    <Type>${f.status >= 500 ? 'Receiver' : 'Sender'}</Type>\n    <Code>${f.code}</Code>\n    <Message>${xmlEscape(f.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`,
          );
        } else {
          send(f.status, `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${f.code}</Code><Message>${xmlEscape(f.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
        }
      };
      if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        fail(new QueryFault(dialect === 'iam' ? 'InvalidAction' : 'InvalidAction', 'expected a form-encoded POST'));
        return;
      }
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
        fail(new QueryFault(dialect === 'iam' ? 'MissingAuthenticationToken' : 'AuthFailure', 'Request is missing Authentication Token', 403));
        return;
      }
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const op = params.get('Action') ?? '';
      if (params.get('Version') !== VERSION[dialect]) {
        fail(new QueryFault(dialect === 'iam' ? 'InvalidAction' : 'InvalidParameterValue', `Version must be ${VERSION[dialect]}`));
        return;
      }
      const scope = scopeOf(req.headers.authorization);
      calls.push({ op, params, scope });
      Promise.resolve()
        .then(() => handle(op, params, scope))
        .then(
          (result) => {
            const inner = toXml(result, dialect === 'iam' ? 'member' : 'item');
            send(
              200,
              dialect === 'iam'
                ? `<${op}Response xmlns="${NAMESPACE.iam}">\n  <${op}Result>${inner}</${op}Result>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${op}Response>\n`
                : `<?xml version="1.0" encoding="UTF-8"?>\n<${op}Response xmlns="${NAMESPACE.ec2}">\n    <requestId>${requestId}</requestId>\n${inner}</${op}Response>`,
            );
          },
          (err: unknown) => fail(err instanceof QueryFault ? err : new QueryFault(dialect === 'iam' ? 'ServiceFailure' : 'InternalError', String(err), 500)),
        );
    });
  });
  const { port, close } = await listenLocal(server);
  return { endpoint: `http://127.0.0.1:${port}`, calls, close };
}
