import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as OpenApiUtilModule from '@alicloud/openapi-util';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { acs3Hash, computeV3, parseAcs3Authorization, type Acs3Algorithm } from '../../src/providers/alibaba/auth/signature-v3.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';
import { alibabaSm3Vectors, sm3Published, type AlibabaV3Vector } from '../vectors/vectors.js';

/** openapi-util is CommonJS with its class on `exports.default`; runtimes differ on unwrapping it once or not at all. */
const unwrap = <M extends { default: unknown }>(module: { default: M }): M['default'] => (module.default as Partial<M>).default ?? (module.default as unknown as M['default']);
const OpenApiUtil = unwrap(OpenApiUtilModule);

/** getAuthorization reads only these fields of the client's request. */
type VendorRequest = Parameters<typeof OpenApiUtil.getAuthorization>[0];

const pairs = (text: string) => [...new URLSearchParams(text)] as [string, string][];
const SECRET = 'testAccessKeySecret';
const SIGNATURE_MISMATCH = 'Specified signature is not matched with our calculation. server string to sign is:';

/** Our verifier's computation for a recorded request, with the given algorithm. */
function recompute(v: Pick<AlibabaV3Vector, 'request'>, algorithm: Acs3Algorithm, signedHeaders: readonly string[]) {
  return computeV3(
    {
      method: v.request.method,
      path: v.request.path,
      query: pairs(v.request.query),
      header: (name) => (v.request.headers[name] === undefined ? [] : [v.request.headers[name]!]),
      signedHeaders,
      hashedPayload: acs3Hash(algorithm, v.request.body),
      algorithm,
    },
    SECRET,
  );
}

describe('SM3 itself', () => {
  it.each(sm3Published.map((p) => [p.source, p] as const))("Node's sm3 gives the standard's answer: %s", (_source, p) => {
    expect(createHash('sm3').update(p.input).digest('hex')).toBe(p.sm3);
    expect(acs3Hash('ACS3-HMAC-SM3', p.input)).toBe(p.sm3);
  });
});

describe('signature V3 (ACS3-HMAC-SM3) known answers from @alicloud/openapi-client', () => {
  /** The signatures the vendor's client sent, written out so a regenerated JSON cannot silently move them. */
  const VENDOR_SIGNATURES: Record<string, string> = {
    'ali-sm3-empty-query': '72947f9c13c2eb898405ba639d19f40e889e4186a5b5c8010952218e55086c34',
    'ali-sm3-special': 'cdc893cae4ba5a551a4f015f1aeeb96e8a138b080c70086091031dde4b12a1b4',
    'ali-sm3-form-body': '0d6addf06f8a143f3b192f72b64510175aab34a35e141bbd222c17699783c27b',
  };

  it('has the three recorded cases', () => {
    expect(alibabaSm3Vectors.map((v) => v.id)).toEqual(Object.keys(VENDOR_SIGNATURES));
  });

  it.each(alibabaSm3Vectors.map((v) => [v.id, v] as const))('%s: our verifier rebuilds every step', (id, v) => {
    const auth = parseAcs3Authorization(v.request.headers.authorization!);
    expect(auth).toMatchObject({ algorithm: 'ACS3-HMAC-SM3', accessKeyId: v.access_key_id, signature: VENDOR_SIGNATURES[id] });
    expect(v.signature).toBe(VENDOR_SIGNATURES[id]);
    // The body hash is SM3, and the client carried it in x-acs-content-sha256 despite the header's name.
    expect(acs3Hash('ACS3-HMAC-SM3', v.request.body)).toBe(v.hashed_payload);
    expect(v.request.headers['x-acs-content-sha256']).toBe(v.hashed_payload);
    const computed = recompute(v, 'ACS3-HMAC-SM3', auth!.signedHeaders);
    expect(computed.canonicalRequest).toBe(v.canonical_request);
    expect(computed.stringToSign).toBe(v.string_to_sign);
    expect(computed.signature).toBe(VENDOR_SIGNATURES[id]);
    // Independently of computeV3: the standard HMAC-SM3 of the vendor's string to sign.
    expect(createHmac('sm3', SECRET).update(v.string_to_sign).digest('hex')).toBe(VENDOR_SIGNATURES[id]);
  });

  it('the same request under ACS3-HMAC-SHA256 has another string to sign and signature', () => {
    const v = alibabaSm3Vectors[1]!;
    const signedHeaders = v.signed_headers.split(';');
    const sha = recompute(v, 'ACS3-HMAC-SHA256', signedHeaders);
    expect(sha.stringToSign).toMatch(/^ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);
    expect(sha.signature).not.toBe(v.signature);
  });

  it('changes when one signed byte changes', () => {
    const v = alibabaSm3Vectors[1]!;
    const tampered = { request: { ...v.request, query: v.request.query.replace('rm-emulator0001', 'rm-emulator0002') } };
    expect(recompute(tampered, 'ACS3-HMAC-SM3', v.signed_headers.split(';')).signature).not.toBe(v.signature);
  });
});

describe('ACS3-HMAC-SM3 over HTTP', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  const start = async (at?: string) => {
    emulator = await startTestEmulator({}, at ? { now: () => Date.parse(at) } : {});
    return emulator.url;
  };
  const send = (url: string, request: AlibabaV3Vector['request']) =>
    rawRequest(url, { method: request.method, path: request.path + (request.query ? `?${request.query}` : ''), headers: request.headers, body: request.body });

  it.each(alibabaSm3Vectors.map((v) => [v.id, v] as const))('replays %s at its recorded time: authenticated', async (_id, v) => {
    const res = await send(await start(v.request.headers['x-acs-date']), v.request);
    if (v.id === 'ali-sm3-empty-query') {
      // Authentication passed; the call then lacks its InstanceId.
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ Code: 'InvalidParams', Message: 'The request parameters are invalid.' });
      expect(res.headers['x-emulator-error-detail']).toMatch(/InstanceId/);
    } else {
      expect(res.status, res.text).toBe(200);
      expect(res.json()).toMatchObject({ Code: 200, Success: true, Data: expect.stringMatching(/^[0-9a-f]{32}$/) });
    }
  });

  it('refuses a vector with one byte of its query changed, naming the string to sign it computed', async () => {
    const v = alibabaSm3Vectors[1]!;
    const request = { ...v.request, query: v.request.query.replace('rm-emulator0001', 'rm-emulator0002') };
    const res = await send(await start(v.request.headers['x-acs-date']), request);
    expect(res.status).toBe(400);
    const expected = recompute({ request }, 'ACS3-HMAC-SM3', v.signed_headers.split(';'));
    expect(res.json()).toMatchObject({ Code: 'SignatureDoesNotMatch', Message: SIGNATURE_MISMATCH + expected.stringToSign });
    expect(res.headers['x-emulator-error-detail']).toBe('V3 signature differs from the one computed with the AccessKey secret');
  });

  /**
   * A request the vendor's own signer signs with `signed` while x-acs-content-sha256 carries the body
   * hash of `carried`: consistent in itself, but not what `signed` asks the body hash to be.
   */
  const mixed = (host: string, signed: Acs3Algorithm, carried: Acs3Algorithm) => {
    const body = 'InstanceId=rm-emulator0001&DbUser=dbadmin&DbUserPassword=Dbadmin%232026&KillAllSessions=false&SessionIds=%5B101%5D';
    const headers: Record<string, string> = {
      host,
      'x-acs-action': 'CreateKillInstanceSessionTask',
      'x-acs-version': '2020-01-16',
      'x-acs-date': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      'x-acs-signature-nonce': randomBytes(16).toString('hex'),
      'content-type': 'application/x-www-form-urlencoded',
      'x-acs-content-sha256': acs3Hash(carried, body),
    };
    headers.authorization = OpenApiUtil.getAuthorization({ pathname: '/', method: 'POST', query: {}, headers } as VendorRequest, signed, headers['x-acs-content-sha256']!, 'testAccessKeyId', SECRET);
    return { method: 'POST', host, path: '/', query: '', headers, body };
  };

  it.each<[Acs3Algorithm, Acs3Algorithm]>([
    ['ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3'],
    ['ACS3-HMAC-SM3', 'ACS3-HMAC-SHA256'],
  ])('refuses %s whose x-acs-content-sha256 is the %s hash of the body', async (signed, carried) => {
    const url = await start();
    const request = mixed(new URL(url).host, signed, carried);
    expect(request.headers.authorization).toMatch(new RegExp(`^${signed} Credential=testAccessKeyId,SignedHeaders=content-type;host;x-acs-action;`));
    const res = await send(url, request);
    expect(res.status).toBe(400);
    const expected = recompute({ request }, signed, parseAcs3Authorization(request.headers.authorization!)!.signedHeaders);
    expect(res.json()).toMatchObject({ Code: 'SignatureDoesNotMatch', Message: SIGNATURE_MISMATCH + expected.stringToSign });
    const name = signed === 'ACS3-HMAC-SM3' ? 'SM3' : 'SHA256';
    expect(res.headers['x-emulator-error-detail']).toBe(`x-acs-content-sha256 is not the ${name} hash of the body (${acs3Hash(signed, request.body)}) that ${signed} asks for`);
    // The same request with the matching hash goes through: only the mix was wrong.
    expect((await send(url, mixed(new URL(url).host, signed, signed))).json()).toMatchObject({ Code: 200, Success: true });
  });

  it.each(['ACS3-RSA-SHA256', 'ACS3-HMAC-SHA1', 'ACS3-HMAC-SM2'])('answers %s with IncompleteSignature naming the supported algorithms', async (algorithm) => {
    const url = await start();
    const request = mixed(new URL(url).host, 'ACS3-HMAC-SHA256', 'ACS3-HMAC-SHA256');
    request.headers.authorization = request.headers.authorization!.replace('ACS3-HMAC-SHA256', algorithm);
    const res = await send(url, request);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ Code: 'IncompleteSignature', Message: 'The request signature does not conform to Aliyun standards.' });
    expect(res.headers['x-emulator-error-detail']).toBe(`signature algorithm ${algorithm} is not supported; use one of ACS3-HMAC-SHA256, ACS3-HMAC-SM3`);
  });
});
