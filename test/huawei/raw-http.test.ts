import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { computeSdkSignature } from '../../src/providers/huawei/auth/signature.js';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest, type RawResponse } from '../support/http.js';
import { INSTANCE, PROJECT } from './client.js';

const HEX32 = /^[0-9a-f]{32}$/;
const DB_USERS_PATH = `/v3/${PROJECT}/instances/${INSTANCE}/db-users`;
const PROCESSES_PATH = `/v3/${PROJECT}/instances/${INSTANCE}/processes`;

const tokenBody = (password = 'Emulator#2026') =>
  JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'emulator', password, domain: { name: 'emulator' } } } }, scope: { project: { id: PROJECT } } } });

const json = { 'Content-Type': 'application/json' };

async function getToken(url: string): Promise<string> {
  const res = await rawRequest(url, { method: 'POST', path: '/v3/auth/tokens', headers: json, body: tokenBody() });
  expect(res.status).toBe(201);
  const token = res.headers['x-subject-token'];
  expect(typeof token).toBe('string');
  return token as string;
}

/** A gateway error: the body carries request_id, equal to the x-request-id header. */
function expectGatewayError(res: RawResponse, status: number, code: string, message: string | RegExp): void {
  expect(res.status).toBe(status);
  const body = res.json();
  expect(Object.keys(body).sort()).toEqual(['error_code', 'error_msg', 'request_id']);
  expect(body.error_code).toBe(code);
  if (typeof message === 'string') expect(body.error_msg).toBe(message);
  else expect(body.error_msg).toMatch(message);
  expect(body.request_id).toMatch(HEX32);
  expect(res.headers['x-request-id']).toBe(body.request_id);
}

describe('Huawei DAS over raw HTTP', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });
  const start = async (hooks = {}) => {
    emulator = await startTestEmulator({}, hooks);
    return emulator.url;
  };

  it('issues a token on POST /v3/auth/tokens and accepts it as X-Auth-Token', async () => {
    const url = await start();
    const created = await rawRequest(url, { method: 'POST', path: '/v3/auth/tokens', headers: json, body: tokenBody() });
    expect(created.status).toBe(201);
    expect(created.headers['x-request-id']).toMatch(HEX32);
    expect(created.headers['x-subject-token']).toMatch(/^MII/);
    expect(created.json().token).toMatchObject({ methods: ['password'], user: { name: 'emulator' }, project: { id: PROJECT } });
    const token = created.headers['x-subject-token'] as string;

    const registered = await rawRequest(url, {
      method: 'POST',
      path: DB_USERS_PATH,
      headers: { ...json, 'X-Auth-Token': token },
      body: JSON.stringify({ db_username: 'app', db_user_password: 'App#2026', datastore_type: 'MySQL' }),
    });
    expect(registered.status).toBe(200);
    expect(registered.headers['x-request-id']).toMatch(HEX32);
    const id = registered.json().db_user_id as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const listed = await rawRequest(url, { path: `${PROCESSES_PATH}?db_user_id=${id}`, headers: { 'X-Auth-Token': token } });
    expect(listed.status).toBe(200);
    expect(listed.headers['x-request-id']).toMatch(HEX32);
    expect(listed.json()).toMatchObject({ count: 3 });
    expect(listed.json().processes.map((p: { id: string }) => p.id)).toEqual(['1001', '1002', '1003']);
  });

  it('answers a request without credentials with 401 x-auth-token not found', async () => {
    const url = await start();
    const res = await rawRequest(url, { path: DB_USERS_PATH });
    expectGatewayError(res, 401, 'APIGW.0301', 'Incorrect IAM authentication information: x-auth-token not found');
  });

  it('answers an unknown token with 401 decrypt token fail', async () => {
    const url = await start();
    const res = await rawRequest(url, { path: DB_USERS_PATH, headers: { 'X-Auth-Token': 'MIInot-a-token' } });
    expectGatewayError(res, 401, 'APIGW.0301', 'Incorrect IAM authentication information: decrypt token fail');
  });

  it('answers an expired token with 401 token expires', async () => {
    let clock = Date.parse('2026-03-01T10:00:00.000Z');
    const url = await start({ now: () => clock });
    const token = await getToken(url);
    clock += 24 * 60 * 60 * 1000 - 1000;
    const fresh = await rawRequest(url, { path: DB_USERS_PATH, headers: { 'X-Auth-Token': token } });
    expect(fresh.status).toBe(200);
    clock += 2000;
    const res = await rawRequest(url, { path: DB_USERS_PATH, headers: { 'X-Auth-Token': token } });
    expectGatewayError(res, 401, 'APIGW.0301', /^Incorrect IAM authentication information: token expires, expires_at: /);
    expect(res.json().error_msg).toBe('Incorrect IAM authentication information: token expires, expires_at: 2026-03-02T10:00:00.000Z');
  });

  it('answers a wrong password on the token route with 401 and no token', async () => {
    const url = await start();
    const res = await rawRequest(url, { method: 'POST', path: '/v3/auth/tokens', headers: json, body: tokenBody('wrong') });
    expect(res.status).toBe(401);
    expect(res.headers['x-subject-token']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(HEX32);
    expect(res.json()).toMatchObject({ error: { code: 401 } });
  });

  it('refuses an X-Project-Id header that differs from the path with 403 APIGW.0302', async () => {
    const url = await start();
    const token = await getToken(url);
    const res = await rawRequest(url, { path: DB_USERS_PATH, headers: { 'X-Auth-Token': token, 'X-Project-Id': 'ffffffffffffffffffffffffffffffff' } });
    expectGatewayError(res, 403, 'APIGW.0302', 'The IAM user is not authorized to access the API.');
    expect(res.headers['x-emulator-error-detail']).toContain('X-Project-Id');
  });

  it('answers a body that is not JSON on RegisterDbUser with 400 DAS.200100 and says why', async () => {
    const url = await start();
    const token = await getToken(url);
    const res = await rawRequest(url, { method: 'POST', path: DB_USERS_PATH, headers: { ...json, 'X-Auth-Token': token }, body: '{not json' });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error_code: 'DAS.200100', error_msg: 'The parameter is invalid.' });
    expect(res.headers['x-request-id']).toMatch(HEX32);
    expect(res.headers['x-emulator-error-detail']).toMatch(/not JSON/);
  });

  it('answers an unknown path and an unknown method on a known path with 404 APIGW.0101', async () => {
    const url = await start();
    const token = await getToken(url);
    const message = 'The API does not exist or has not been published in the environment.';
    expectGatewayError(await rawRequest(url, { path: `/v3/${PROJECT}/no-such-api`, headers: { 'X-Auth-Token': token } }), 404, 'APIGW.0101', message);
    expectGatewayError(await rawRequest(url, { path: '/nothing/here' }), 404, 'APIGW.0101', message);
    expectGatewayError(await rawRequest(url, { method: 'PATCH', path: PROCESSES_PATH, headers: { 'X-Auth-Token': token } }), 404, 'APIGW.0101', message);
  });

  it('refuses a body over 12 MB with 413 APIGW.0201', async () => {
    const url = await start();
    const body = Buffer.alloc(13 * 1024 * 1024, 0x20);
    const res = await rawRequest(url, { method: 'POST', path: DB_USERS_PATH, headers: { ...json, 'Content-Length': String(body.length) }, body });
    expectGatewayError(res, 413, 'APIGW.0201', 'Request entity too large.');
  });
});

describe('Huawei AK/SK: a body is judged by its own bytes', () => {
  let emulator: RunningEmulator;
  afterEach(async () => {
    await emulator?.stop();
  });

  it('refuses a signed DeleteProcess resent with another body and the original body hash in X-Sdk-Content-Sha256', async () => {
    emulator = await startTestEmulator();
    const key = { ak: 'EMULATORTESTAK000001', sk: 'emulatorTestSecretKey0001' };
    const token = await getToken(emulator.url);
    const registered = await rawRequest(emulator.url, { method: 'POST', path: DB_USERS_PATH, headers: { ...json, 'X-Auth-Token': token }, body: JSON.stringify({ db_username: 'dbadmin', db_user_password: 'Dbadmin#2026', datastore_type: 'MySQL' }) });
    const dbUserId = registered.json().db_user_id as string;
    const path = `/v3/${PROJECT}/instances/${INSTANCE}/process`;
    const signed = JSON.stringify({ db_user_id: dbUserId, process_ids: ['1001'] });
    const signedHash = createHash('sha256').update(signed).digest('hex');
    const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const host = new URL(emulator.url).host;
    const headers = { 'content-type': 'application/json', host, 'x-sdk-date': date, 'x-sdk-content-sha256': signedHash };
    const { signature } = computeSdkSignature({ method: 'DELETE', path, query: [], header: (n) => headers[n as keyof typeof headers], signedHeaders: ['content-type', 'host', 'x-sdk-date'], payloadHash: signedHash }, key.sk);
    const authorization = `SDK-HMAC-SHA256 Access=${key.ak}, SignedHeaders=content-type;host;x-sdk-date, Signature=${signature}`;

    const send = (body: string) => rawRequest(emulator.url, { method: 'DELETE', path, headers: { ...headers, authorization, 'content-length': String(Buffer.byteLength(body)) }, body });
    const swapped = await send(JSON.stringify({ db_user_id: dbUserId, user: 'report' }));
    expectGatewayError(swapped, 401, 'APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail');
    expect(swapped.headers['x-emulator-error-detail']).toMatch(/X-Sdk-Content-Sha256 .* is not the SHA-256 of the \d+-byte body received/);
    const sessions = await rawRequest(emulator.url, { path: `/_emulator/instances/${INSTANCE}/sessions` });
    expect(sessions.json().sessions.map((s: { id: number }) => s.id)).toEqual([1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);

    // The request as signed still works: the header agrees with the body it came with.
    const honest = await send(signed);
    expect(honest.status).toBe(200);
    expect((await rawRequest(emulator.url, { path: `/_emulator/instances/${INSTANCE}/sessions` })).json().sessions.map((s: { id: number }) => s.id)).not.toContain(1001);
  });
});
