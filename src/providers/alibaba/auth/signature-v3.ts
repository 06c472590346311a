import { createHash, createHmac, getHashes } from 'node:crypto';
import { canonicalQuery, percentEncode, type Param } from '../../percent-encode.js';

/**
 * The V3 algorithms the verifier accepts, each with the digest it names. The official clients
 * also offer `ACS3-RSA-SHA256` (a public key registered with RAM), which the emulator has no keys
 * for. Both entries verify through the same code: the digest is the only difference.
 */
export const ACS3_ALGORITHMS = { 'ACS3-HMAC-SHA256': 'sha256', 'ACS3-HMAC-SM3': 'sm3' } as const;
export type Acs3Algorithm = keyof typeof ACS3_ALGORITHMS;
export const DEFAULT_ACS3_ALGORITHM: Acs3Algorithm = 'ACS3-HMAC-SHA256';
/** A Node built against an OpenSSL without SM3 cannot verify ACS3-HMAC-SM3: it is then unsupported, not a 500. */
const HASHES = new Set(getHashes());
export const isAcs3Algorithm = (name: string): name is Acs3Algorithm => Object.hasOwn(ACS3_ALGORITHMS, name) && HASHES.has(ACS3_ALGORITHMS[name as Acs3Algorithm]);

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Headers the gateway needs signed before it will look at a V3 request. */
export const REQUIRED_SIGNED_HEADERS = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const;

export interface Acs3Authorization {
  readonly algorithm: string;
  readonly accessKeyId: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Parses `ACS3-<algorithm> Credential=..,SignedHeaders=a;b,Signature=hex`; null when it has another form. */
export function parseAcs3Authorization(header: string): Acs3Authorization | null {
  const match = /^(ACS3-[A-Z0-9-]+) (.*)$/.exec(header.trim());
  if (!match) return null;
  const parts = new Map<string, string>();
  for (const part of match[2]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return null;
  return { algorithm: match[1]!, accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

export interface V3Input {
  readonly method: string;
  readonly path: string;
  readonly query: readonly Param[];
  /** Header values by lowercase name; repeated headers as several values. */
  readonly header: (name: string) => readonly string[];
  readonly signedHeaders: readonly string[];
  /** Lowercase hex digest of the body with the algorithm's hash (see `acs3Hash`). */
  readonly hashedPayload: string;
  /** Default `ACS3-HMAC-SHA256`, what the clients send unless told otherwise. */
  readonly algorithm?: Acs3Algorithm;
}

export interface V3Computation {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return acs3Hash('ACS3-HMAC-SHA256', data);
}

/** Lowercase hex digest with the hash the algorithm names: the payload hash and the canonical request hash. */
export function acs3Hash(algorithm: Acs3Algorithm, data: string | Uint8Array): string {
  return createHash(ACS3_ALGORITHMS[algorithm]).update(data).digest('hex');
}

/** The canonical request, rebuilt from the client's SignedHeaders list rather than a fixed one. */
export function computeV3(input: V3Input, secret: string): V3Computation {
  const uri = input.path.split('/').map((segment) => percentEncode(decodeSegment(segment))).join('/') || '/';
  const headers = [...input.signedHeaders]
    .map((name) => name.toLowerCase())
    .sort()
    .map((name) => `${name}:${[...input.header(name)].map((v) => v.trim()).sort().join(',')}\n`)
    .join('');
  const signedHeaders = [...input.signedHeaders].map((name) => name.toLowerCase()).sort().join(';');
  const canonicalRequest = [input.method.toUpperCase(), uri, canonicalQuery(input.query), headers, signedHeaders, input.hashedPayload].join('\n');
  const algorithm = input.algorithm ?? DEFAULT_ACS3_ALGORITHM;
  const stringToSign = `${algorithm}\n${acs3Hash(algorithm, canonicalRequest)}`;
  const signature = createHmac(ACS3_ALGORITHMS[algorithm], secret).update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest, stringToSign, signature };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
