import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { computeV3, sha256Hex } from '../../src/providers/alibaba/auth/signature-v3.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';
import { alibabaV1Vectors, alibabaV3Vectors } from '../vectors/vectors.js';

const rpc = (params: Record<string, string>) => '/?' + new URLSearchParams({ Version: '2020-01-16', ...params }).toString();
const KILL = { Action: 'CreateKillInstanceSessionTask', InstanceId: 'rm-emulator0001', DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: 'false', SessionIds: '[101]' };

describe('Alibaba endpoint with auth off: parameter rules, each rejection saying why', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ auth: 'off' });
  });
  afterAll(() => emulator.stop());

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['InstanceId missing', { InstanceId: undefined }, /InstanceId is mandatory/],
    ['DbUser missing', { DbUser: undefined }, /DbUser is mandatory/],
    ['DbUserPassword missing', { DbUserPassword: undefined }, /DbUserPassword is mandatory/],
    ['KillAllSessions missing', { KillAllSessions: undefined }, /KillAllSessions is mandatory/],
    ['KillAllSessions=yes', { KillAllSessions: 'yes' }, /KillAllSessions must be true or false, got "yes"/],
    ['KillAllSessions=1', { KillAllSessions: '1' }, /KillAllSessions must be true or false, got "1"/],
    ['KillAllSessions with spaces', { KillAllSessions: ' true' }, /KillAllSessions must be true or false, got " true"/],
    ['SessionIds not an array', { SessionIds: '101' }, /SessionIds is not a JSON array/],
    ['SessionIds negative', { SessionIds: '[-1]' }, /not an integer in \[0, 2\^64-1\]/],
    ['SessionIds 2^64', { SessionIds: '[18446744073709551616]' }, /not an integer in \[0, 2\^64-1\]/],
    ['SessionIds empty', { SessionIds: '[]' }, /at least one session/],
    ['SessionIds truncated', { SessionIds: '[1,' }, /SessionIds/],
    ['IgnoredUsers numbers', { IgnoredUsers: '[1]' }, /IgnoredUsers element "1" is not an account name/],
    ['unknown instance', { InstanceId: 'rm-x' }, /instance rm-x does not exist/],
    ['Redis instance', { InstanceId: 'r-emulator0001' }, /runs Redis, not MySQL/],
    ['foreign NodeId', { NodeId: 'pi-emulator0001' }, /node pi-emulator0001 does not belong to instance rm-emulator0001/],
    ['PolarDB without NodeId', { InstanceId: 'pc-emulator0001' }, /name a node/],
    ['duplicated parameter', { SessionIds: '[101]&SessionIds=[102]' }, /more than once: SessionIds/],
  ])('%s', async (_case, change, detail) => {
    const params = Object.fromEntries(Object.entries({ ...KILL, ...change }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const path = rpc(params).replace('%5B101%5D%26SessionIds%3D%5B102%5D', '%5B101%5D&SessionIds=%5B102%5D');
    const res = await rawRequest(emulator.url, { method: 'POST', path });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ Code: 'InvalidParams', Message: 'The request parameters are invalid.' });
    expect(res.headers['x-emulator-error-detail']).toMatch(detail);
  });

  it.each(['true', 'True', 'TRUE', 'tRuE', 'false', 'False', 'FALSE'])('reads KillAllSessions=%s as the boolean it names, as Python clients send str(bool)', async (text) => {
    const all = text.toLowerCase() === 'true';
    const created = await rawRequest(emulator.url, { method: 'POST', path: rpc({ ...KILL, KillAllSessions: text, ...(all ? { SessionIds: '' } : {}) }) });
    expect(created.status).toBe(200);
    const result = await rawRequest(emulator.url, { path: rpc({ Action: 'GetKillInstanceSessionTaskResult', InstanceId: 'rm-emulator0001', TaskId: created.json().Data }) });
    const killed = result.json().Data.Result.map((r: { Id: number }) => r.Id);
    // All sessions: every user session of the instance is a target; false: only the one asked for.
    if (all) expect(killed.length).toBeGreaterThan(1);
    else expect(killed).toEqual([101]);
    emulator.reset();
  });

  it('answers a missing Action or Version with MissingParameter', async () => {
    const noAction = await rawRequest(emulator.url, { path: '/?Version=2020-01-16' });
    expect(noAction.status).toBe(400);
    expect(noAction.json()).toMatchObject({ Code: 'MissingParameter', Message: 'The input parameter "Action" that is mandatory for processing this request is not supplied.' });
    const noVersion = await rawRequest(emulator.url, { path: '/?Action=CreateKillInstanceSessionTask' });
    expect(noVersion.json()).toMatchObject({ Code: 'MissingParameter', Message: 'The input parameter "Version" that is mandatory for processing this request is not supplied.' });
  });

  it('answers other methods with InvalidAction.NotFound', async () => {
    const res = await rawRequest(emulator.url, { method: 'PUT', path: rpc(KILL) });
    expect(res.status).toBe(404);
    expect(res.json().Code).toBe('InvalidAction.NotFound');
  });

  it('reads parameters from a form body as pop-core POST sends them', async () => {
    const res = await rawRequest(emulator.url, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ Version: '2020-01-16', ...KILL }).toString() });
    expect(res.status).toBe(200);
    expect(res.json().Data).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps thread ids above 2^53 exact in JSON', async () => {
    const created = await rawRequest(emulator.url, { method: 'POST', path: rpc({ ...KILL, SessionIds: '["18446744073709551615", 9007199254740993]' }) });
    const result = await rawRequest(emulator.url, { path: rpc({ Action: 'GetKillInstanceSessionTaskResult', InstanceId: 'rm-emulator0001', TaskId: created.json().Data }) });
    expect(result.text).toContain('"Sessions":[18446744073709551615,9007199254740993]');
    expect(result.text).toContain('"Id":18446744073709551615');
    expect(result.json().Data.Result.map((r: { Reason: string }) => r.Reason)).toEqual(['SESSION_EXPIRED', 'SESSION_EXPIRED']);
  });
});

describe('Alibaba signature checks clients cannot trigger', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.stop());

  it('answers a malformed ACS3 Authorization with IncompleteSignature', async () => {
    const res = await rawRequest(emulator.url, { method: 'POST', path: '/', headers: { authorization: 'ACS3-HMAC-SHA256 nonsense', 'x-acs-action': 'CreateKillInstanceSessionTask', 'x-acs-version': '2020-01-16' } });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ Code: 'IncompleteSignature', Message: 'The request signature does not conform to Aliyun standards.' });
  });

  it('answers a V3 request that leaves required headers unsigned with IncompleteSignature', async () => {
    const res = await rawRequest(emulator.url, {
      method: 'POST',
      path: '/',
      headers: { authorization: 'ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=host;x-acs-action,Signature=00', 'x-acs-action': 'CreateKillInstanceSessionTask', 'x-acs-version': '2020-01-16' },
    });
    expect(res.json().Code).toBe('IncompleteSignature');
    expect(res.headers['x-emulator-error-detail']).toContain('x-acs-date');
  });

  it('answers a V1 request without a signature with MissingParameter', async () => {
    const res = await rawRequest(emulator.url, { path: rpc({ ...KILL, AccessKeyId: 'testAccessKeyId' }) });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ Code: 'MissingParameter', Message: 'The input parameter "Signature" that is mandatory for processing this request is not supplied.' });
  });

  it('answers an unsupported SignatureMethod with IncompleteSignature', async () => {
    const res = await rawRequest(emulator.url, {
      path: rpc({ ...KILL, AccessKeyId: 'testAccessKeyId', Signature: 'x', SignatureMethod: 'HMAC-MD5', SignatureVersion: '1.0', SignatureNonce: 'n1', Timestamp: new Date().toISOString() }),
    });
    expect(res.json().Code).toBe('IncompleteSignature');
  });
});

describe('known-answer vectors replayed over HTTP at their recorded time', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  const replay = async (vector: { request: { method: string; path: string; query: string; headers: Record<string, string>; body: string } }, at: string) => {
    emulator = await startTestEmulator({}, { now: () => Date.parse(at) });
    const { request } = vector;
    return rawRequest(emulator.url, { method: request.method, path: request.path + (request.query ? `?${request.query}` : ''), headers: request.headers, body: request.body });
  };

  /** Authentication passed: the call succeeded, or (result vectors name a task of the recording machine) got as far as the task lookup. */
  const expectAuthenticated = (res: { status: number; text: string; headers: Record<string, unknown>; json(): any }) => {
    if (res.status === 200) expect(res.json()).toMatchObject({ Code: 200, Success: true });
    else {
      expect(res.json().Code, res.text).toBe('InvalidParams');
      expect(res.headers['x-emulator-error-detail']).toMatch(/^task \w+ does not exist for this account$/);
    }
  };

  const dasV1 = alibabaV1Vectors.filter((v) => v.signed_params.Version === '2020-01-16');
  it.each(dasV1.map((v) => [v.id, v] as const))('V1 %s is accepted', async (_id, vector) => {
    expectAuthenticated(await replay(vector, vector.signed_params.Timestamp!));
  });

  const dasV3 = alibabaV3Vectors.filter((v) => v.request.headers['x-acs-version'] === '2020-01-16');
  it.each(dasV3.map((v) => [v.id, v] as const))('V3 %s is accepted', async (_id, vector) => {
    expectAuthenticated(await replay(vector, vector.request.headers['x-acs-date']!));
  });

  it('rejects a vector with one signed byte changed', async () => {
    const vector = dasV3[0]!;
    const tampered = { ...vector, request: { ...vector.request, query: vector.request.query.replace('rm-emulator0001', 'rm-emulator0002') } };
    const res = await replay(tampered, vector.request.headers['x-acs-date']!);
    expect(res.json().Code).toBe('SignatureDoesNotMatch');
  });

  it('rejects a replayed vector 16 minutes later as expired', async () => {
    const vector = dasV1[0]!;
    const res = await replay(vector, new Date(Date.parse(vector.signed_params.Timestamp!) + 16 * 60_000).toISOString());
    expect(res.json().Code).toBe('InvalidTimeStamp.Expired');
  });
});

describe('auth modes', () => {
  it('log mode accepts a bad signature and logs what would have failed, without the password', async () => {
    const lines: string[] = [];
    const emulator = await startTestEmulator({ auth: 'log', logLevel: 'debug' }, { logSink: (l) => lines.push(l) });
    try {
      const res = await rawRequest(emulator.url, {
        path: rpc({ ...KILL, AccessKeyId: 'testAccessKeyId', Signature: 'bogus', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: 'n-log', Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Format: 'JSON' }),
      });
      expect(res.status).toBe(200);
      const log = lines.join('\n');
      expect(log).toContain('SignatureDoesNotMatch');
      expect(log).toContain('canonicalRequest=');
      expect(log).not.toContain('Dbadmin#2026');
      expect(log).not.toContain('Dbadmin%232026');
    } finally {
      await emulator.stop();
    }
  });

  it('enforce mode logs the canonical request and string to sign of a rejected signature at debug level only', async () => {
    for (const [logLevel, shown] of [['debug', true], ['info', false]] as const) {
      const lines: string[] = [];
      const emulator = await startTestEmulator({ logLevel }, { logSink: (l) => lines.push(l) });
      try {
        const res = await rawRequest(emulator.url, {
          path: rpc({ ...KILL, AccessKeyId: 'testAccessKeyId', Signature: 'bogus', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: `n-enforce-${logLevel}`, Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }),
        });
        expect(res.json().Code).toBe('SignatureDoesNotMatch');
        const log = lines.join('\n');
        expect(log).toContain('code="SignatureDoesNotMatch"');
        if (shown) {
          expect(log).toMatch(/canonicalRequest=".*AccessKeyId=testAccessKeyId&Action=CreateKillInstanceSessionTask&DbUser=dbadmin&DbUserPassword=\*\*\*\*\*\*/);
          expect(log).toMatch(/stringToSign="GET&%2F&/);
        } else {
          expect(log).not.toContain('canonicalRequest');
        }
        expect(log).not.toContain('Dbadmin');
      } finally {
        await emulator.stop();
      }
    }
  });
});

describe('Alibaba V3: what decides how parameters are read is signed', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.stop());

  /** A V3 CreateKill whose parameters travel in a form body, signed over the given headers. */
  const signedFormRequest = (nonce: string, signContentType: boolean) => {
    const body = new URLSearchParams({ InstanceId: 'rm-emulator0001', DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: 'true', IgnoredUsers: '["app"]' }).toString();
    const headers: Record<string, string> = {
      host: new URL(emulator.url).host,
      'content-type': 'application/x-www-form-urlencoded',
      'x-acs-action': 'CreateKillInstanceSessionTask',
      'x-acs-version': '2020-01-16',
      'x-acs-date': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      'x-acs-signature-nonce': nonce,
      'x-acs-content-sha256': sha256Hex(body),
    };
    const signedHeaders = Object.keys(headers).filter((h) => signContentType || h !== 'content-type').sort();
    const { signature } = computeV3({ method: 'POST', path: '/', query: [], header: (n) => (headers[n] === undefined ? [] : [headers[n]!]), signedHeaders, hashedPayload: headers['x-acs-content-sha256']! }, 'testAccessKeySecret');
    return { body, headers: { ...headers, authorization: `ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=${signedHeaders.join(';')},Signature=${signature}` } };
  };

  it('refuses a body whose content-type is not signed: switching it would drop IgnoredUsers from a signed body', async () => {
    const { body, headers } = signedFormRequest('nonce-ct-1', false);
    const switched = await rawRequest(emulator.url, { method: 'POST', path: '/', headers: { ...headers, 'content-type': 'text/plain' }, body });
    expect([switched.status, switched.json().Code]).toEqual([400, 'IncompleteSignature']);
    expect(switched.headers['x-emulator-error-detail']).toBe('a V3 request with a body must sign content-type, which decides how the body is read');
    const sessions = await rawRequest(emulator.url, { path: '/_emulator/instances/rm-emulator0001/sessions' });
    expect(sessions.json().sessions.map((s: { id: number }) => s.id)).toContain(101);
  });

  it('accepts the same body with content-type signed, and refuses it once content-type is switched', async () => {
    const signed = signedFormRequest('nonce-ct-2', true);
    const switched = await rawRequest(emulator.url, { method: 'POST', path: '/', headers: { ...signed.headers, 'content-type': 'text/plain' }, body: signed.body });
    expect([switched.status, switched.json().Code]).toEqual([400, 'SignatureDoesNotMatch']);
    const honest = await rawRequest(emulator.url, { method: 'POST', path: '/', headers: signed.headers, body: signed.body });
    expect(honest.status).toBe(200);
    // IgnoredUsers was read from the signed body: app's sessions survive a kill-all.
    const sessions = await rawRequest(emulator.url, { path: '/_emulator/instances/rm-emulator0001/sessions' });
    expect(sessions.json().sessions.filter((s: { user: string }) => s.user === 'app').length).toBeGreaterThan(0);
  });
});
