import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SDK_ALGORITHM,
  computeSdkSignature,
  parseSdkAuthorization,
  parseSdkDate,
  payloadHashOf,
} from '../../src/providers/huawei/auth/signature.js';
import { huaweiVectors, type HuaweiVector } from '../vectors/vectors.js';

/** Decodes the wire query the way the verifier must: into pairs, never reusing the raw text. */
const pairs = (text: string) => [...new URLSearchParams(text)] as [string, string][];
const bytes = (text: string) => new TextEncoder().encode(text);
/** The payload hash a signature covers, failing the test when the stated hash is refused. */
const hashOf = (body: Uint8Array, stated: string | undefined): string => {
  const payload = payloadHashOf(body, stated);
  if ('refused' in payload) throw new Error(payload.refused);
  return payload.hash;
};
const vector = (id: string): HuaweiVector => {
  const found = huaweiVectors.find((v) => v.id === id);
  if (!found) throw new Error(`no vector ${id}`);
  return found;
};

interface Overrides {
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: string;
  path?: string;
}

/** Recomputes a vector's signature from its request, with any part swapped out. */
function sign(v: HuaweiVector, overrides: Overrides = {}) {
  const auth = parseSdkAuthorization(v.request.headers.authorization!);
  if (!auth) throw new Error(`vector ${v.id} has an unparsable Authorization header`);
  const headers = { ...v.request.headers, ...overrides.headers };
  return computeSdkSignature(
    {
      method: v.request.method,
      path: overrides.path ?? v.request.path,
      query: overrides.query ?? pairs(v.request.query),
      header: (name) => headers[name],
      signedHeaders: auth.signedHeaders,
      payloadHash: hashOf(bytes(overrides.body ?? v.request.body), headers['x-sdk-content-sha256']),
    },
    v.sk,
  );
}

describe('SDK-HMAC-SHA256 known answers', () => {
  it('has vectors to check', () => {
    expect(huaweiVectors.length).toBeGreaterThanOrEqual(8);
  });

  it.each(huaweiVectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const auth = parseSdkAuthorization(v.request.headers.authorization!);
    expect(auth).toEqual({
      algorithm: SDK_ALGORITHM,
      accessKey: v.ak,
      signedHeaders: v.signed_headers.split(';'),
      signature: v.signature,
    });
    expect(v.request.headers.authorization).toBe(v.authorization);

    const decoded = pairs(v.request.query);
    expect(Object.fromEntries(decoded)).toEqual(v.decoded_query);
    expect(hashOf(bytes(v.request.body), undefined)).toBe(v.payload_hash);

    const computed = sign(v);
    expect(computed.canonicalRequest).toBe(v.canonical_request);
    expect(computed.canonicalRequest.split('\n').slice(1, 3)).toEqual([v.canonical_uri, v.canonical_query]);
    expect(computed.stringToSign).toBe(v.string_to_sign);
    expect(computed.signature).toBe(v.signature);
  });
});

describe('SDK-HMAC-SHA256 tamper detection', () => {
  it('changes when one byte of a query value changes', () => {
    const v = vector('hw-list-processes-encoding');
    const query = pairs(v.request.query).map(([k, val]) => [k, k === 'user' ? val.replace('*', '+') : val] as [string, string]);
    expect(sign(v, { query }).signature).not.toBe(v.signature);
  });

  it('changes when an empty query value is dropped', () => {
    const v = vector('hw-list-processes-encoding');
    const query = pairs(v.request.query).filter(([k]) => k !== 'node_id');
    expect(sign(v, { query }).signature).not.toBe(v.signature);
  });

  it('changes when one byte of a signed header changes', () => {
    const v = vector('hw-delete-process');
    const projectId = v.request.headers['x-project-id']!;
    expect(sign(v, { headers: { 'x-project-id': projectId.slice(0, -1) + '9' } }).signature).not.toBe(v.signature);
    expect(sign(v, { headers: { host: '127.0.0.1:1' } }).signature).not.toBe(v.signature);
  });

  it('changes when a signed header gains surrounding space (values are not trimmed)', () => {
    const v = vector('hw-delete-process');
    expect(sign(v, { headers: { 'content-type': 'application/json ' } }).signature).not.toBe(v.signature);
  });

  it('does not change when an unsigned header changes', () => {
    const v = vector('hw-published-get');
    expect(sign(v, { headers: { test_underscore: 'OTHER', accept: 'text/plain' } }).signature).toBe(v.signature);
  });

  it('changes when one byte of the body changes', () => {
    const v = vector('hw-delete-process');
    expect(sign(v, { body: v.request.body.replace('11212', '11213') }).signature).not.toBe(v.signature);
  });

  it('changes when the date changes', () => {
    const v = vector('hw-delete-process');
    const computed = sign(v, { headers: { 'x-sdk-date': '20260302T093001Z' } });
    // The date is both a line of the string to sign and a signed header, so the canonical request hash moves too.
    expect(computed.stringToSign.split('\n')[1]).toBe('20260302T093001Z');
    expect(computed.canonicalRequest).toBe(v.canonical_request.replace('x-sdk-date:20260302T093000Z', 'x-sdk-date:20260302T093001Z'));
    expect(computed.signature).not.toBe(v.signature);
  });

  it('changes when the path changes', () => {
    const v = vector('hw-delete-process');
    expect(sign(v, { path: v.request.path.replace('process', 'processes') }).signature).not.toBe(v.signature);
  });
});

describe('SDK-HMAC-SHA256 canonical forms', () => {
  const base = {
    method: 'get',
    query: [] as [string, string][],
    header: (name: string) => (name === 'x-sdk-date' ? '20260302T093000Z' : undefined),
    signedHeaders: ['X-Sdk-Date'],
    payloadHash: hashOf(new Uint8Array(), undefined),
  };
  const lines = (overrides: Partial<typeof base> & { path: string }) =>
    computeSdkSignature({ ...base, ...overrides }, 'sk').canonicalRequest.split('\n');

  it('ends the URI with exactly one slash and re-encodes decoded segments', () => {
    expect(lines({ path: '/a/b' })[1]).toBe('/a/b/');
    expect(lines({ path: '/a/b/' })[1]).toBe('/a/b/');
    expect(lines({ path: '/' })[1]).toBe('/');
    expect(lines({ path: '' })[1]).toBe('/');
    expect(lines({ path: "/x%20y/a*b/%E4%B8%AD/a%2Fb/(c)!'" })[1]).toBe('/x%20y/a%2Ab/%E4%B8%AD/a%2Fb/%28c%29%21%27/');
  });

  it('answers the same canonical URI for a path signed again, long paths and many paths included', () => {
    const long = `/${'a%20'.repeat(200)}`;
    for (let round = 0; round < 2; round++) {
      expect(lines({ path: '/x%20y/' })[1]).toBe('/x%20y/');
      expect(lines({ path: long })[1]).toBe(`/${'a%20'.repeat(200)}/`);
      for (let i = 0; i < 600; i++) expect(lines({ path: `/p/${i}` })[1]).toBe(`/p/${i}/`);
    }
  });

  it('keeps a segment with a bad escape as raw text', () => {
    expect(lines({ path: '/a%zz/b' })[1]).toBe('/a%25zz/b/');
  });

  it('sorts names, then the values of a repeated name, keeping empty values', () => {
    const query = pairs('b=2&a=z&a=y&c=&B=1&a=');
    expect(lines({ path: '/', query })[2]).toBe('B=1&a=&a=y&a=z&b=2&c=');
  });

  it('lowercases and sorts the signed header names and signs missing ones as empty', () => {
    const out = lines({ path: '/', signedHeaders: ['X-Sdk-Date', 'Host'] });
    expect(out.slice(3, 7)).toEqual(['host:', 'x-sdk-date:20260302T093000Z', '', 'host;x-sdk-date']);
  });
});

describe('parseSdkAuthorization', () => {
  it('accepts the SDK form with or without spaces after the commas', () => {
    const expected = { algorithm: SDK_ALGORITHM, accessKey: 'AK', signedHeaders: ['host', 'x-sdk-date'], signature: 'ab12' };
    expect(parseSdkAuthorization('SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab12')).toEqual(expected);
    expect(parseSdkAuthorization('SDK-HMAC-SHA256 Access=AK,SignedHeaders=host;x-sdk-date,Signature=ab12')).toEqual(expected);
    expect(parseSdkAuthorization('SDK-HMAC-SHA256 Signature=ab12 , Access=AK ,SignedHeaders=host;x-sdk-date')).toEqual(expected);
  });

  it('reports another SDK algorithm as written', () => {
    expect(parseSdkAuthorization('SDK-HMAC-SM3 Access=AK, SignedHeaders=host, Signature=ab')?.algorithm).toBe('SDK-HMAC-SM3');
  });

  it.each([
    ['empty', ''],
    ['another scheme', 'Bearer x'],
    ['an Alibaba header', 'ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=ab'],
    ['no parts', 'SDK-HMAC-SHA256'],
    ['no Access', 'SDK-HMAC-SHA256 SignedHeaders=host, Signature=ab'],
    ['no SignedHeaders', 'SDK-HMAC-SHA256 Access=AK, Signature=ab'],
    ['no Signature', 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host'],
    ['an empty Access', 'SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=ab'],
    ['an empty Signature', 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature='],
    ['a part without =', 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature'],
    ['a repeated part', 'SDK-HMAC-SHA256 Access=AK, Access=BK, SignedHeaders=host, Signature=ab'],
    ['an unknown part', 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=ab, Extra=1'],
    ['a non-hex Signature', 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=xyz'],
    ['an empty header name', 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature=ab'],
    ['a space-separated list', 'SDK-HMAC-SHA256 Access=AK SignedHeaders=host Signature=ab'],
    ['a lowercase algorithm', 'sdk-hmac-sha256 Access=AK, SignedHeaders=host, Signature=ab'],
  ])('rejects %s', (_name, header) => {
    expect(parseSdkAuthorization(header)).toBeNull();
  });
});

describe('parseSdkDate', () => {
  it('accepts the basic UTC form', () => {
    expect(parseSdkDate('20260302T093000Z')).toBe(Date.UTC(2026, 2, 2, 9, 30, 0));
    expect(parseSdkDate('20240229T235959Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
  });

  it('answers each value for itself when values alternate (the last one parsed is remembered)', () => {
    for (let round = 0; round < 3; round++) {
      expect(parseSdkDate('20260302T093000Z')).toBe(Date.UTC(2026, 2, 2, 9, 30, 0));
      expect(parseSdkDate('20261341T000000Z')).toBeNaN();
      expect(parseSdkDate('20260302T093001Z')).toBe(Date.UTC(2026, 2, 2, 9, 30, 1));
    }
  });

  it.each(['2026-03-02T09:30:00Z', '20261341T000000Z', '20250229T000000Z', '20260302T240000Z', '20260302T093060Z', '20260302T093000', '20260302t093000z', ''])(
    'rejects %j',
    (value) => {
      expect(parseSdkDate(value)).toBeNaN();
    },
  );
});

describe('the payload hash is the body received, never a header standing in for it', () => {
  const body = bytes('{"db_user_id":"x","process_ids":["1001"]}');
  const hash = createHash('sha256').update(body).digest('hex');

  it('is the SHA-256 of the body, and a stated X-Sdk-Content-Sha256 must equal it', () => {
    expect(payloadHashOf(body, undefined)).toEqual({ hash });
    expect(payloadHashOf(body, hash)).toEqual({ hash });
  });

  it.each([
    ['the hash of another body', createHash('sha256').update('{"user":"report"}').digest('hex')],
    ['UNSIGNED-PAYLOAD', 'UNSIGNED-PAYLOAD'],
    ['an upper-case copy of the right hash', ''],
  ])('refuses %s', (_case, stated) => {
    const value = stated === '' ? hash.toUpperCase() : stated;
    const payload = payloadHashOf(body, value);
    expect(payload).toEqual({ refused: expect.stringContaining(`is not the SHA-256 of the ${body.length}-byte body received (${hash})`) });
  });
});
