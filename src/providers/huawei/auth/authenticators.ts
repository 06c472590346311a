import { sameSignature } from '../../../same-secret.js';
import { skew } from '../../clock-skew.js';
import { huaweiErrors, type HuaweiError } from '../errors.js';
import type { HuaweiIdentities, HuaweiPrincipal } from './identities.js';
import { computeSdkSignature, parseSdkAuthorization, parseSdkDate, payloadHashOf, redactCanonicalRequest, SDK_ALGORITHM } from './signature.js';
import type { TokenStore } from './tokens.js';

/** A Huawei API request as the gateway authenticates it. */
export interface HuaweiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
  header(name: string): string | undefined;
}

export interface Caller {
  readonly principal: HuaweiPrincipal;
  /** How the journal names the caller: the AK, or the token's user (never a secret). */
  readonly name: string;
  /** A token is scoped to one project; an AK/SK reaches every project of its account. */
  readonly tokenProject?: string;
}

/** Azurite-style answer: the request is not this authenticator's kind, or it is and passes, or fails. */
export type HuaweiAuthOutcome =
  | { readonly kind: 'not-mine' }
  | { readonly kind: 'ok'; readonly caller: Caller }
  | { readonly kind: 'reject'; readonly error: HuaweiError; readonly caller?: Caller; readonly canonicalRequest?: string; readonly stringToSign?: string };

export interface HuaweiAuthenticator {
  authenticate(request: HuaweiRequest, now: number): HuaweiAuthOutcome;
}

/** X-Sdk-Date may be this far from the server's clock, either way. */
const SDK_DATE_WINDOW_MS = 15 * 60 * 1000;
const SIGNATURE_FAIL = 'verify aksk signature fail';

/** `Authorization: SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..`, as the SDK cores sign. */
export function akskAuthenticator(identities: HuaweiIdentities): HuaweiAuthenticator {
  return {
    authenticate(request, now) {
      const header = request.header('authorization');
      if (!header?.trimStart().startsWith('SDK-')) return { kind: 'not-mine' };
      const auth = parseSdkAuthorization(header);
      if (!auth || auth.algorithm !== SDK_ALGORITHM) {
        return { kind: 'reject', error: huaweiErrors.iamAuthentication(SIGNATURE_FAIL, `Authorization is not "${SDK_ALGORITHM} Access=.., SignedHeaders=.., Signature=.."`) };
      }
      const key = identities.accessKey(auth.accessKey);
      if (!key) return { kind: 'reject', error: huaweiErrors.iamAuthentication(`ak ${auth.accessKey} not exist`) };
      if (!key.active) return { kind: 'reject', error: huaweiErrors.iamAuthentication(`ak ${auth.accessKey} not exist`, `AK ${auth.accessKey} is Inactive`) };
      const caller: Caller = { principal: key.principal, name: key.ak };
      const sdkDate = request.header('x-sdk-date');
      const signedHeaders = auth.signedHeaders.map((h) => h.toLowerCase());
      // Only the date must be signed: the Go core signs neither host nor content-type (its IAM lookup signs
      // x-sdk-date alone). Whatever else the list names is verified below.
      if (!sdkDate || !signedHeaders.includes('x-sdk-date')) {
        return { kind: 'reject', caller, error: huaweiErrors.iamAuthentication(SIGNATURE_FAIL, 'X-Sdk-Date must be sent and signed') };
      }
      const time = parseSdkDate(sdkDate);
      if (Number.isNaN(time) || Math.abs(now - time) > SDK_DATE_WINDOW_MS) {
        const why = Number.isNaN(time) ? 'is not YYYYMMDDThhmmssZ' : `is ${skew(time, now)} server time ${new Date(now).toISOString()} (15 minutes allowed)`;
        return { kind: 'reject', caller, error: huaweiErrors.iamAuthentication(SIGNATURE_FAIL, `X-Sdk-Date ${JSON.stringify(sdkDate)} ${why}`) };
      }
      const payload = payloadHashOf(request.body, request.header('x-sdk-content-sha256'));
      if ('refused' in payload) return { kind: 'reject', caller, error: huaweiErrors.iamAuthentication(SIGNATURE_FAIL, payload.refused) };
      const computed = computeSdkSignature(
        { method: request.method, path: request.path, query: request.query, header: request.header, signedHeaders, payloadHash: payload.hash },
        key.sk,
      );
      if (!sameSignature(computed.signature, auth.signature)) {
        return { kind: 'reject', caller, canonicalRequest: redactCanonicalRequest(computed.canonicalRequest), stringToSign: computed.stringToSign, error: huaweiErrors.iamAuthentication(SIGNATURE_FAIL, mismatchReason(request.path)) };
      }
      return { kind: 'ok', caller };
    },
  };
}

/**
 * Why a signature did not match, as far as the request shows it. A client built without a project
 * id (and without a region) sends the literal `{project_id}` and signs it differently than it sends
 * it: the cloud answers a bad signature, and the detail says what to fix instead.
 */
function mismatchReason(path: string): string {
  if (/\{project_id\}|%7Bproject_id%7D/i.test(path)) {
    return 'the path holds a literal {project_id}: the client has no project id; give its credentials one (withProjectId), or build it with a region so that it asks IAM';
  }
  return 'signature differs from the one computed with the SK';
}

/** `X-Auth-Token`, issued by the token route or listed in the fixtures. */
export function tokenAuthenticator(tokens: TokenStore): HuaweiAuthenticator {
  return {
    authenticate(request, now) {
      const token = request.header('x-auth-token');
      if (token === undefined) return { kind: 'not-mine' };
      const issued = tokens.find(token.trim());
      if (!issued) return { kind: 'reject', error: huaweiErrors.iamAuthentication('decrypt token fail', 'X-Auth-Token is not a token this emulator issued or lists') };
      if (now >= issued.expiresAt) {
        return { kind: 'reject', error: huaweiErrors.iamAuthentication(`token expires, expires_at: ${new Date(issued.expiresAt).toISOString()}`) };
      }
      return { kind: 'ok', caller: { principal: issued.principal, name: `token of ${issued.principal.userName}@${issued.principal.domainName}`, tokenProject: issued.projectId } };
    },
  };
}

/** Nothing to authenticate with. */
export const missingCredentials = (): HuaweiError => huaweiErrors.iamAuthentication('x-auth-token not found');
