// An SDK failure as a typed error whose hint fits it: no credentials, credentials AWS rejects, a permission the
// caller lacks, or no route to the endpoint: each exits 3 ("could not run"). A request AWS refuses because what it
// names does not exist or is not valid (a cluster, a service, a parameter) exits 2, like any wrong argument:
// fixing the command line fixes it. Every command that calls AWS reports its failures through here.
import { AwsError, errorMessage, EXIT, type ErrorDetails } from '../errors.js';
import { processEnv } from '../env.js';

/** AWS could not be asked at all: no route to the endpoint (or the proxy), or no credentials it accepts. */
export class AwsUnavailableError extends AwsError {
  constructor(operation: string, message: string, details: ErrorDetails = {}) {
    super(operation, message, { code: 'EAWSUNAVAILABLE', ...details });
  }
}

const NETWORK_CODES = /^(?:ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|EPROXY|ECONNABORTED|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|ERR_TLS_CERT)/;
const NO_CREDENTIALS = /^(?:CredentialsProviderError|ProviderError|TokenProviderError)$/;
const BAD_CREDENTIALS = /^(?:UnrecognizedClientException|InvalidClientTokenId|ExpiredToken|ExpiredTokenException|InvalidSignatureException|SignatureDoesNotMatch|AuthFailure|InvalidAccessKeyId|IncompleteSignature|MissingAuthenticationToken(?:Exception)?|RequestExpired)$/;
const DENIED = /^(?:AccessDenied|AccessDeniedException|UnauthorizedOperation|NotAuthorized|UnauthorizedException|Forbidden)$/;

const WRONG_ARGUMENT = /(?:NotFound(?:Exception)?|InvalidParameter(?:Exception|Value)?|ValidationException|ValidationError)$/;

export type FailureKind = 'unreachable' | 'no-credentials' | 'bad-credentials' | 'denied' | 'wrong-argument' | 'other';

export function failureKind(err: unknown): FailureKind {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | null;
  const name = e?.name ?? '';
  if (NO_CREDENTIALS.test(name)) return 'no-credentials';
  if (BAD_CREDENTIALS.test(name)) return 'bad-credentials';
  if (DENIED.test(name)) return 'denied';
  if (name === 'TimeoutError' || name === 'ProxyConnectError' || NETWORK_CODES.test(e?.code ?? '')) return 'unreachable';
  if (WRONG_ARGUMENT.test(name)) return 'wrong-argument';
  return 'other';
}

const CREDENTIALS_HINT =
  'no AWS credentials were found: name a profile of ~/.aws/config (--profile NAME, or AWS_PROFILE), set AWS_ACCESS_KEY_ID and ' +
  'AWS_SECRET_ACCESS_KEY, run `aws sso login` for an SSO profile, or run on an instance or task whose role grants access';

/**
 * `operation` names the call (`ecs:DescribeTasks`), `service` the endpoint for the unreachable hint
 * (`ECS`, `CloudWatch Logs`), `permission` what the caller needs when denied, `context` what was asked (an id).
 */
export function awsFailure(operation: string, err: unknown, opts: { service?: string; permission?: string; context?: string } = {}): AwsError {
  if (err instanceof AwsError) return err;
  const message = opts.context ? `${opts.context}: ${errorMessage(err)}` : errorMessage(err);
  switch (failureKind(err)) {
    case 'no-credentials':
      return new AwsUnavailableError(operation, message, { cause: err, hint: CREDENTIALS_HINT });
    case 'bad-credentials':
      return new AwsUnavailableError(operation, message, {
        cause: err,
        hint: 'AWS rejected the credentials (expired session, wrong key, or a clock far off): refresh them (`aws sso login`, a new session) or pick another --profile',
      });
    case 'unreachable': {
      const env = processEnv();
      const proxy = env.HTTPS_PROXY || env.https_proxy;
      return new AwsUnavailableError(operation, message, {
        cause: err,
        hint:
          `no answer from the ${opts.service ?? 'AWS'} endpoint: check the network path (a NAT gateway or a VPC endpoint for it)` +
          (proxy ? `, the proxy in HTTPS_PROXY (${proxy.replace(/\/\/[^@/]*@/, '//')}) and NO_PROXY` : ', HTTPS_PROXY if this network needs a proxy') +
          ', and --endpoint-url',
      });
    }
    case 'denied':
      return new AwsError(operation, message, {
        cause: err,
        hint: opts.permission ? `the caller needs ${opts.permission}` : 'the caller lacks a permission: check its IAM policy',
      });
    case 'wrong-argument':
      return new AwsError(operation, message, { cause: err, exitCode: EXIT.usage });
    default:
      return new AwsError(operation, message, { cause: err });
  }
}
