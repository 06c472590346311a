import { describe, expect, it } from 'vitest';
import { computeV1 } from '../../src/providers/alibaba/auth/signature-v1.js';
import { computeV3, parseAcs3Authorization, sha256Hex } from '../../src/providers/alibaba/auth/signature-v3.js';
import { percentEncode } from '../../src/providers/percent-encode.js';
import { alibabaV1Vectors, alibabaV3Vectors } from '../vectors/vectors.js';

/** Decodes a query or form body the way the verifier must: into pairs, never reusing the raw text. */
const pairs = (text: string) => [...new URLSearchParams(text)] as [string, string][];

describe('percent encoding for signatures', () => {
  it('follows RFC 3986 on UTF-8 bytes', () => {
    expect(percentEncode("a b*~!'()中")).toBe('a%20b%2A~%21%27%28%29%E4%B8%AD');
  });
});

describe('signature V1 (HMAC-SHA1) known answers', () => {
  it.each(alibabaV1Vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const params = [...pairs(v.request.query), ...pairs(v.request.body)];
    const computed = computeV1(v.request.method, params, v.access_key_secret);
    expect(computed.canonicalRequest).toBe(v.canonical_request);
    expect(computed.stringToSign).toBe(v.string_to_sign);
    expect(computed.signature).toBe(v.signature);
  });

  it('changes when one signed byte changes', () => {
    const v = alibabaV1Vectors[0]!;
    const params = pairs(v.request.query).map(([k, val]) => [k, k === 'InstanceId' ? val + 'x' : val] as [string, string]);
    expect(computeV1(v.request.method, params, v.access_key_secret).signature).not.toBe(v.signature);
  });
});

describe('signature V3 (ACS3-HMAC-SHA256) known answers', () => {
  it.each(alibabaV3Vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const auth = parseAcs3Authorization(v.request.headers.authorization!);
    expect(auth).not.toBeNull();
    expect(auth!.accessKeyId).toBe(v.access_key_id);
    const computed = computeV3(
      {
        method: v.request.method,
        path: v.request.path,
        query: pairs(v.request.query),
        header: (name) => (v.request.headers[name] === undefined ? [] : [v.request.headers[name]!]),
        signedHeaders: auth!.signedHeaders,
        hashedPayload: sha256Hex(v.request.body),
      },
      v.access_key_secret,
    );
    expect(computed.canonicalRequest).toBe(v.canonical_request);
    expect(computed.stringToSign).toBe(v.string_to_sign);
    expect(computed.signature).toBe(v.signature);
    expect(auth!.signature).toBe(v.signature);
  });

  it('rejects an Authorization header of another form', () => {
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a,Signature=b')).toBeNull();
    expect(parseAcs3Authorization('Bearer x')).toBeNull();
  });
});
