import { createHash, createHmac } from 'node:crypto';
import { percentEncode } from '../../percent-encode.js';

export const SDK_ALGORITHM = 'SDK-HMAC-SHA256';

export interface SdkAuthorization {
  algorithm: string;
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

/**
 * Parses `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`; null when it has another form.
 * Any `SDK-*` algorithm name is returned as written so the caller can tell an unsupported algorithm from a garbled header.
 */
export function parseSdkAuthorization(header: string): SdkAuthorization | null {
  const match = /^(SDK-[A-Z0-9-]+) +(\S.*)$/.exec(header.trim());
  if (!match) return null;
  const parts = new Map<string, string>();
  for (const part of match[2]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const name = part.slice(0, eq).trim();
    // A repeated or unknown part means the header was not built by a Huawei signer; refuse rather than guess which copy counts.
    if (!KNOWN_PARTS.has(name) || parts.has(name)) return null;
    parts.set(name, part.slice(eq + 1).trim());
  }
  const accessKey = parts.get('Access');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!accessKey || !signedHeaders || !signature) return null;
  if (/\s/.test(accessKey) || !/^[0-9a-fA-F]+$/.test(signature)) return null;
  const names = signedHeaders.split(';');
  if (names.some((name) => !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))) return null;
  return { algorithm: match[1]!, accessKey, signedHeaders: names, signature };
}

const KNOWN_PARTS = new Set(['Access', 'SignedHeaders', 'Signature']);

export interface SdkSignatureInput {
  readonly method: string;
  /** The path as it was on the wire (still percent-encoded), without the query. */
  readonly path: string;
  /** The query already decoded into pairs; the raw wire text is never signed because the SDK encodes it differently. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly header: (lowercaseName: string) => string | undefined;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

export interface SdkSignatureComputation {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

/** Rebuilds what the client signed, using the client's own SignedHeaders list rather than a fixed one. */
export function computeSdkSignature(input: SdkSignatureInput, secretKey: string): SdkSignatureComputation {
  const names = input.signedHeaders.map((name) => name.toLowerCase()).sort();
  // A signed header that did not arrive is signed as empty, so the mismatch surfaces as a bad signature, not a crash.
  const canonicalHeaders = names.map((name) => `${name}:${input.header(name) ?? ''}\n`).join('');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.path),
    canonicalQuery(input.query),
    canonicalHeaders,
    names.join(';'),
    input.payloadHash,
  ].join('\n');
  const stringToSign = `${SDK_ALGORITHM}\n${input.header('x-sdk-date') ?? ''}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', secretKey).update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest, stringToSign, signature };
}

/**
 * The body hash a signature covers: always the SHA-256 of the bytes received. A client may also
 * state it in `X-Sdk-Content-Sha256`, but a stated hash is never trusted in place of the body's:
 * the SDK cores send `UNSIGNED-PAYLOAD` there only for streamed uploads, which no DAS operation
 * takes, and honouring any other value would let an unsigned header vouch for a changed body.
 * Returns the hash, or why the stated one is refused.
 */
export function payloadHashOf(body: Uint8Array, contentSha256Header: string | undefined): { hash: string } | { refused: string } {
  const hash = sha256Hex(body);
  if (contentSha256Header === undefined || contentSha256Header === hash) return { hash };
  return { refused: `X-Sdk-Content-Sha256 ${JSON.stringify(contentSha256Header.slice(0, 80))} is not the SHA-256 of the ${body.length}-byte body received (${hash})` };
}

/** The last date parsed: every request of the same second sends the same X-Sdk-Date. */
let lastDate: { readonly value: string; readonly ms: number } = { value: '', ms: NaN };

/** `X-Sdk-Date` (`YYYYMMDDTHHmmssZ`) as ms since epoch; NaN for any other form or an impossible date such as month 13. */
export function parseSdkDate(value: string): number {
  if (value !== lastDate.value) lastDate = { value, ms: parseSdkDateOnce(value) };
  return lastDate.ms;
}

function parseSdkDateOnce(value: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return NaN;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  // Date.UTC would silently roll 20261341 over into a later month and map years below 100 to 19xx, so set the fields and read them back.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const roundTrips =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return roundTrips ? date.getTime() : NaN;
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Each segment is decoded before re-encoding so that a path the HTTP stack escaped differently still matches; the SDK
 * strips the trailing `/` from the wire URL but always signs one.
 */
function canonicalUri(path: string): string {
  let uri = canonicalUris.get(path);
  if (uri === undefined) {
    uri = path.split('/').map((segment) => percentEncode(decodeSegment(segment))).join('/').replace(/\/*$/, '/');
    // Bounded: a client sending ever new or long paths must not grow it.
    if (path.length <= MAX_CACHED_PATH) {
      if (canonicalUris.size >= MAX_CANONICAL_URIS) canonicalUris.clear();
      canonicalUris.set(path, uri);
    }
  }
  return uri;
}

/** Canonical forms of the paths signed lately: a client calls the same few paths again and again. */
const canonicalUris = new Map<string, string>();
const MAX_CANONICAL_URIS = 512;
const MAX_CACHED_PATH = 256;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A stray `%` cannot have come from a decoded path, so the raw text is the best guess at what the client signed.
    return segment;
  }
}

/** Sorted by decoded name in code-unit order, a repeated name's values sorted too, each as `enc(name)=enc(value)`. */
function canonicalQuery(query: ReadonlyArray<readonly [string, string]>): string {
  return [...query]
    .sort(([a, av], [b, bv]) => compare(a, b) || compare(av, bv))
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A canonical request fit for a log line: temporary credentials a client signed as headers are hidden. */
export function redactCanonicalRequest(canonicalRequest: string): string {
  return canonicalRequest.replace(/^(x-security-token|x-auth-token):.*$/gm, '$1:******');
}
