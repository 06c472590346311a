import { sameSignature } from '../../../same-secret.js';
import { skew } from '../../clock-skew.js';
import { alibabaErrors, type AlibabaError } from '../errors.js';
import { redactSecrets, type AlibabaRequest } from '../request.js';
import type { AccessKey, AccessKeyDirectory } from './credentials.js';
import type { NonceCache } from './nonce-cache.js';
import { computeV1 } from './signature-v1.js';
import { ACS3_ALGORITHMS, acs3Hash, computeV3, isAcs3Algorithm, parseAcs3Authorization, REQUIRED_SIGNED_HEADERS } from './signature-v3.js';

/** Azurite-style answer of an authenticator: the request is not its kind, or it is and passes, or fails. */
export type AuthOutcome =
  | { readonly kind: 'not-mine' }
  | { readonly kind: 'ok'; readonly key: AccessKey }
  | { readonly kind: 'reject'; readonly error: AlibabaError; readonly key?: AccessKey; readonly canonicalRequest?: string };

export interface Authenticator {
  authenticate(request: AlibabaRequest, now: number): AuthOutcome;
}

export interface AuthenticatorDeps {
  readonly keys: AccessKeyDirectory;
  readonly nonces: NonceCache;
  /** How far a request's time may be from the server's (both directions). */
  readonly windowMs: number;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/** Parses the UTC `YYYY-MM-DDThh:mm:ssZ` form both versions use; NaN when malformed. */
function parseTimestamp(value: string): number {
  const m = TIMESTAMP.exec(value);
  if (!m) return Number.NaN;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March: reject dates that do not exist.
  return back.getUTCDate() === +m[3]! && back.getUTCHours() === +m[4]! ? ms : Number.NaN;
}

function lookUp(deps: AuthenticatorDeps, id: string): AccessKey | AlibabaError {
  const key = deps.keys.get(id);
  if (!key) return alibabaErrors.accessKeyNotFound(id);
  if (!key.active) return alibabaErrors.accessKeyInactive(id);
  return key;
}

function checkTime(deps: AuthenticatorDeps, name: string, value: string, now: number): AlibabaError | undefined {
  const time = parseTimestamp(value);
  if (Number.isNaN(time)) return alibabaErrors.timestampFormat(`${name} ${JSON.stringify(value)} is not YYYY-MM-DDThh:mm:ssZ`);
  if (Math.abs(now - time) > deps.windowMs) {
    return alibabaErrors.timestampExpired(`${name} ${value} is ${skew(time, now)} server time ${new Date(now).toISOString()} (15 minutes allowed)`);
  }
  return undefined;
}

const SUPPORTED_ACS3 = Object.keys(ACS3_ALGORITHMS).join(', ');

/**
 * Signature V3: `Authorization: ACS3-<algorithm> Credential=..,SignedHeaders=..,Signature=..`,
 * one path for every algorithm of ACS3_ALGORITHMS: the algorithm picks the hash of the body
 * (which x-acs-content-sha256 must carry, whatever its name says), of the canonical request, and the HMAC.
 */
export function acs3Authenticator(deps: AuthenticatorDeps): Authenticator {
  return {
    authenticate(request, now) {
      if (request.signatureVersion !== 'v3') return { kind: 'not-mine' };
      const auth = parseAcs3Authorization(request.header('authorization')[0] ?? '');
      if (!auth) return { kind: 'reject', error: alibabaErrors.incompleteSignature('Authorization is not "ACS3-<algorithm> Credential=..,SignedHeaders=..,Signature=.."') };
      const algorithm = auth.algorithm;
      if (!isAcs3Algorithm(algorithm)) return { kind: 'reject', error: alibabaErrors.incompleteSignature(`signature algorithm ${algorithm} is not supported; use one of ${SUPPORTED_ACS3}`) };
      const signed = new Set(auth.signedHeaders.map((h) => h.toLowerCase()));
      const missing = REQUIRED_SIGNED_HEADERS.filter((h) => !signed.has(h) || request.header(h).length === 0);
      if (missing.length > 0) return { kind: 'reject', error: alibabaErrors.incompleteSignature(`headers not sent or not signed: ${missing.join(', ')}`) };
      // Content-Type decides whether a body's form parameters are read at all: unsigned, it would let
      // anyone drop (or add) parameters of a signed body. The clients sign every header they send.
      if (request.body.length > 0 && !signed.has('content-type')) {
        return { kind: 'reject', error: alibabaErrors.incompleteSignature('a V3 request with a body must sign content-type, which decides how the body is read') };
      }
      const key = lookUp(deps, auth.accessKeyId);
      if (!('secret' in key)) return { kind: 'reject', error: key };
      const timeError = checkTime(deps, 'x-acs-date', request.header('x-acs-date')[0]!, now);
      if (timeError) return { kind: 'reject', error: timeError, key };
      const hashedPayload = acs3Hash(algorithm, request.body);
      const computed = computeV3(
        { method: request.method, path: request.path, query: request.query, header: request.header, signedHeaders: auth.signedHeaders, hashedPayload, algorithm },
        key.secret,
      );
      // Redacted for the log, and only when there is a rejection to log.
      const canonicalRequest = () => redactSecrets(computed.canonicalRequest);
      if (request.header('x-acs-content-sha256')[0] !== hashedPayload) {
        return { kind: 'reject', key, canonicalRequest: canonicalRequest(), error: alibabaErrors.signatureDoesNotMatch(computed.stringToSign, `x-acs-content-sha256 is not the ${ACS3_ALGORITHMS[algorithm].toUpperCase()} hash of the body (${hashedPayload}) that ${algorithm} asks for`) };
      }
      if (!sameSignature(computed.signature, auth.signature)) {
        return { kind: 'reject', key, canonicalRequest: canonicalRequest(), error: alibabaErrors.signatureDoesNotMatch(computed.stringToSign, 'V3 signature differs from the one computed with the AccessKey secret') };
      }
      if (!deps.nonces.remember(key.id, request.header('x-acs-signature-nonce')[0]!, now)) {
        return { kind: 'reject', key, error: alibabaErrors.nonceUsed(request.header('x-acs-signature-nonce')[0]!) };
      }
      return { kind: 'ok', key };
    },
  };
}

const V1_REQUIRED = ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp'] as const;

/** Signature V1: HMAC-SHA1 over the query and form parameters, `Signature` among them. */
export function rpcV1Authenticator(deps: AuthenticatorDeps): Authenticator {
  return {
    authenticate(request, now) {
      if (request.signatureVersion !== 'v1') return { kind: 'not-mine' };
      const missing = V1_REQUIRED.find((name) => request.param(name) === undefined);
      if (missing) return { kind: 'reject', error: alibabaErrors.missingParameter(missing) };
      if (request.param('SignatureMethod') !== 'HMAC-SHA1') {
        return { kind: 'reject', error: alibabaErrors.incompleteSignature(`SignatureMethod ${JSON.stringify(request.param('SignatureMethod'))} is not HMAC-SHA1`) };
      }
      if (request.param('SignatureVersion') !== '1.0') {
        return { kind: 'reject', error: alibabaErrors.incompleteSignature(`SignatureVersion ${JSON.stringify(request.param('SignatureVersion'))} is not 1.0`) };
      }
      const key = lookUp(deps, request.param('AccessKeyId')!);
      if (!('secret' in key)) return { kind: 'reject', error: key };
      const timeError = checkTime(deps, 'Timestamp', request.param('Timestamp')!, now);
      if (timeError) return { kind: 'reject', error: timeError, key };
      const computed = computeV1(request.method, [...request.query, ...request.form], key.secret);
      if (!sameSignature(computed.signature, request.param('Signature')!)) {
        const stringToSign = redactSecrets(computed.stringToSign);
        return { kind: 'reject', key, canonicalRequest: redactSecrets(computed.canonicalRequest), error: alibabaErrors.signatureDoesNotMatch(stringToSign, 'V1 signature differs from the one computed with the AccessKey secret') };
      }
      if (!deps.nonces.remember(key.id, request.param('SignatureNonce')!, now)) {
        return { kind: 'reject', key, error: alibabaErrors.nonceUsed(request.param('SignatureNonce')!) };
      }
      return { kind: 'ok', key };
    },
  };
}
