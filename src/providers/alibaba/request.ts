import type { RequestHeaders } from '../../http/headers.js';
import type { Param } from '../percent-encode.js';

/** An RPC request as the Alibaba gateway sees it: decoded parameters, headers and the raw body. */
export interface AlibabaRequest {
  readonly method: string;
  readonly path: string;
  /** Decoded query pairs, in wire order, duplicates and empty values kept. */
  readonly query: readonly Param[];
  /** Decoded application/x-www-form-urlencoded body pairs (empty for other bodies). */
  readonly form: readonly Param[];
  readonly body: Uint8Array;
  /** Values of a header, by lowercase name. */
  header(name: string): readonly string[];
  /** A parameter from the query or the form body (the first occurrence). */
  param(name: string): string | undefined;
  /** A V3 request carries an `Authorization: ACS3-...` header; Action and Version then travel in headers. */
  readonly signatureVersion: 'v1' | 'v3';
  readonly action: string | undefined;
  readonly version: string | undefined;
  /** Parameter names that occur more than once. */
  readonly duplicated: readonly string[];
}

const FORM = 'application/x-www-form-urlencoded';
const AMPERSAND = 0x26;

/** How many pairs URLSearchParams would make of a form, counted on the bytes before anything is decoded (empty pieces make none). */
function countFormPairs(body: Uint8Array): number {
  let pairs = 0;
  let start = 0;
  for (let i = body.indexOf(AMPERSAND); ; i = body.indexOf(AMPERSAND, start)) {
    const end = i < 0 ? body.length : i;
    if (end > start) pairs++;
    if (i < 0) return pairs;
    start = i + 1;
  }
}

/** More parameters than a request may carry: refused before any of them is decoded, signed or validated. */
export class TooManyParametersError extends Error {
  override readonly name = 'TooManyParametersError';
}

export function parseAlibabaRequest(input: { method: string; url: URL; headers: RequestHeaders; body: Uint8Array; maxParameters?: number }): AlibabaRequest {
  const query = [...input.url.searchParams] as Param[];
  const contentType = input.headers.get('content-type') ?? '';
  const isForm = contentType.split(';')[0]!.trim().toLowerCase() === FORM && input.body.length > 0;
  if (input.maxParameters !== undefined) {
    const count = query.length + (isForm ? countFormPairs(input.body) : 0);
    if (count > input.maxParameters) throw new TooManyParametersError(`${count} parameters in the query and form, more than the ${input.maxParameters} a request may carry`);
  }
  const form = isForm ? ([...new URLSearchParams(new TextDecoder().decode(input.body))] as Param[]) : [];
  const params = new Map<string, string>();
  const duplicated = new Set<string>();
  for (const [name, value] of [...query, ...form]) {
    if (params.has(name)) duplicated.add(name);
    else params.set(name, value);
  }
  const header = (name: string): string[] => {
    const value = input.headers.get(name);
    return value === null ? [] : [value];
  };
  const v3 = (input.headers.get('authorization') ?? '').trimStart().startsWith('ACS3-');
  return {
    method: input.method.toUpperCase(),
    path: input.url.pathname,
    query,
    form,
    body: input.body,
    header,
    param: (name) => params.get(name),
    signatureVersion: v3 ? 'v3' : 'v1',
    action: v3 ? (input.headers.get('x-acs-action') ?? undefined) : params.get('Action'),
    version: v3 ? (input.headers.get('x-acs-version') ?? undefined) : params.get('Version'),
    duplicated: [...duplicated],
  };
}

/**
 * Hides DbUserPassword and temporary credentials (V1 `SecurityToken`, V3 `x-acs-security-token`)
 * in canonical requests and strings to sign, in plain and encoded forms.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/((?:DbUserPassword|SecurityToken)=)[^&\n]*/g, '$1******')
    .replace(/((?:DbUserPassword|SecurityToken)%3D)(?:(?!%26).)*/g, '$1******')
    .replace(/^(x-acs-security-token:).*$/gm, '$1******');
}
