import * as OpenApiModule from '@alicloud/openapi-client';
import * as OpenApiUtilModule from '@alicloud/openapi-util';
import * as $Util from '@alicloud/tea-util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { acs3Hash, computeV3, parseAcs3Authorization } from '../../src/providers/alibaba/auth/signature-v3.js';
import { recordingProxy, type RecordedExchange, type RecordingProxy } from '../admin/recording-proxy.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';
import { callError, FULL_ACCESS, type Credentials } from './clients.js';

/** These CommonJS packages export their class as `exports.default`; runtimes differ on unwrapping it once or not at all. */
const unwrap = <M extends { default: unknown }>(module: { default: M }): M['default'] => (module.default as Partial<M>).default ?? (module.default as unknown as M['default']);
const OpenApi = unwrap(OpenApiModule);
const OpenApiUtil = unwrap(OpenApiUtilModule);

const RDS = 'rm-emulator0001';
const ADMIN = { DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026' };
type Params = Record<string, string | boolean>;

/** @alicloud/openapi-client told to sign with ACS3-HMAC-SM3; parameters in the query, or in a form body. */
function sm3Client(endpoint: string, credentials: Credentials = FULL_ACCESS) {
  const client = new OpenApi(new OpenApiModule.Config({ ...credentials, endpoint: new URL(endpoint).host, protocol: 'http', regionId: 'cn-shanghai', signatureAlgorithm: 'ACS3-HMAC-SM3' }));
  return async (action: string, params: Params, where: 'query' | 'body' = 'query'): Promise<Record<string, any>> => {
    const request = new OpenApiModule.OpenApiRequest({ [where]: OpenApiUtil.query(params) });
    const params_ = new OpenApiModule.Params({ action, version: '2020-01-16', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
    return (await client.callApi(params_, request, new $Util.RuntimeOptions({}))).body as Record<string, any>;
  };
}

/** What our verifier computes for a request a client sent (the string to sign does not depend on the secret). */
function serverView(exchange: RecordedExchange) {
  const url = new URL(exchange.url, 'http://emulator');
  const auth = parseAcs3Authorization(String(exchange.headers.authorization))!;
  const header = (name: string) => (exchange.headers[name] === undefined ? [] : [String(exchange.headers[name])]);
  return computeV3(
    { method: exchange.method, path: url.pathname, query: [...url.searchParams], header, signedHeaders: auth.signedHeaders, hashedPayload: acs3Hash('ACS3-HMAC-SM3', exchange.body), algorithm: 'ACS3-HMAC-SM3' },
    'unused',
  );
}

describe('Alibaba DAS through @alicloud/openapi-client signing with ACS3-HMAC-SM3', () => {
  let emulator: RunningEmulator;
  let proxy: RecordingProxy;

  beforeEach(async () => {
    emulator = await startTestEmulator();
    proxy = await recordingProxy(emulator.url);
  });
  afterEach(async () => {
    await proxy.close();
    await emulator.stop();
  });

  /** Every request went out signed with SM3, its body hash SM3, and was answered 200. */
  const expectAllSm3 = (count: number) => {
    expect(proxy.exchanges).toHaveLength(count);
    for (const exchange of proxy.exchanges) {
      expect(String(exchange.headers.authorization)).toMatch(/^ACS3-HMAC-SM3 Credential=testAccessKeyId,SignedHeaders=[a-z0-9;-]+,Signature=[0-9a-f]{64}$/);
      expect(exchange.headers['x-acs-content-sha256']).toBe(acs3Hash('ACS3-HMAC-SM3', exchange.body));
      expect(exchange.status).toBe(200);
    }
  };

  it('calls every operation: kill by id, read the result, list sessions asynchronously, kill with the maintenance account', async () => {
    const call = sm3Client(proxy.url);
    const created = await call('CreateKillInstanceSessionTask', { InstanceId: RDS, ...ADMIN, KillAllSessions: false, SessionIds: '[101,104]' });
    expect(created).toMatchObject({ Code: 200, Message: 'Successful', Success: true, Data: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const result = await call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: created.Data });
    expect(result.Data).toMatchObject({ TaskId: created.Data, TaskState: 'SUCCESS', KillSuccessCount: 2, Sessions: [101, 104] });
    expect(result.Data.Result.map((r: { Id: number; Reason: string }) => [r.Id, r.Reason])).toEqual([[101, 'SESSION_KILLED'], [104, 'SESSION_KILLED']]);

    const first = await call('GetMySQLAllSessionAsync', { InstanceId: RDS });
    expect(first.Data).toMatchObject({ IsFinish: false, State: 'RUNNING' });
    const done = await call('GetMySQLAllSessionAsync', { InstanceId: RDS, ResultId: first.Data.ResultId });
    expect(done.Data).toMatchObject({ IsFinish: true, State: 'SUCCESS', ResultId: first.Data.ResultId });
    const left = done.Data.SessionData.SessionList.map((s: { SessionId: number }) => s.SessionId);
    expect(left).toContain(102);
    expect(left).not.toContain(101);

    const maintained = await call('CreateKillInstanceSessionTaskWithMaintainUser', { InstanceId: RDS, KillAllSessions: false, SessionIds: '[102]' });
    expect((await call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: maintained.Data })).Data).toMatchObject({ TaskState: 'SUCCESS', Result: [{ Id: 102, Reason: 'SESSION_KILLED' }] });
    expectAllSm3(6);
  });

  it('sends the parameters in a form body (SM3 of the body in x-acs-content-sha256) and is understood', async () => {
    const call = sm3Client(proxy.url);
    const created = await call('CreateKillInstanceSessionTask', { InstanceId: RDS, ...ADMIN, KillAllSessions: false, SessionIds: '[103]' }, 'body');
    expect(created.Success).toBe(true);
    expect(proxy.exchanges[0]!.body).toContain('SessionIds=%5B103%5D');
    expect(proxy.exchanges[0]!.url).toBe('/');
    expect((await call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: created.Data })).Data.Result).toMatchObject([{ Id: 103, Reason: 'SESSION_KILLED' }]);
    expectAllSm3(2);
  });

  it('with a wrong secret, the client throws SignatureDoesNotMatch carrying the SM3 string to sign', async () => {
    const error = await callError(sm3Client(proxy.url, { ...FULL_ACCESS, accessKeySecret: 'notTheSecret' })('GetMySQLAllSessionAsync', { InstanceId: RDS }));
    const exchange = proxy.exchanges[0]!;
    const stringToSign = serverView(exchange).stringToSign;
    expect(stringToSign).toMatch(/^ACS3-HMAC-SM3\n[0-9a-f]{64}$/);
    const message = `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`;
    expect(error.code).toBe('SignatureDoesNotMatch');
    expect(error.data).toMatchObject({ Code: 'SignatureDoesNotMatch', Message: message, statusCode: 400 });
    expect(error.message).toBe(`SignatureDoesNotMatch: code: 400, ${message} request id: ${error.data.RequestId}`);
    expect(exchange.status).toBe(400);
  });

  it("refuses the client's request with one byte of its query changed", async () => {
    const call = sm3Client(proxy.url);
    await call('GetMySQLAllSessionAsync', { InstanceId: RDS });
    const sent = proxy.exchanges[0]!;
    const tampered = { ...sent, url: sent.url.replace('rm-emulator0001', 'rm-emulator0002') };
    expect(tampered.url).not.toBe(sent.url);
    const headers = Object.fromEntries(Object.entries(sent.headers).map(([k, v]) => [k, String(v)]));
    const res = await rawRequest(emulator.url, { method: sent.method, path: tampered.url, headers, body: sent.body });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ Code: 'SignatureDoesNotMatch', Message: `Specified signature is not matched with our calculation. server string to sign is:${serverView(tampered).stringToSign}` });
  });
});
