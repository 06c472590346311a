import { createHash, createHmac } from 'node:crypto';
import { canonicalQuery, percentEncode, type Param } from './percent-encode.js';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Headers the gateway needs signed before it will look at a V3 request. */
export const REQUIRED_SIGNED_HEADERS = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const;

export interface Acs3Authorization {
  readonly algorithm: string;
  readonly accessKeyId: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=a;b,Signature=hex`; null when it has another form. */
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
  readonly hashedPayload: string;
}

export interface V3Computation {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
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
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', secret).update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest, stringToSign, signature };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
