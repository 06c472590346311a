import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { callError, dasClient } from '../alibaba/clients.js';
import { huaweiError } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
/** The journal entry `/_emulator/requests/{id}` explains. */
const explanation = async (url: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
};
const KILL = { InstanceId: 'rm-emulatr0001', DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: '[101]' };

describe('a refused request says why where the developer looks', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.stop());

  it('an Alibaba error links, in Recommend, to the emulator\u2019s explanation of that request', async () => {
    const error = await callError(dasClient('openapi-v3', emulator.url).call('CreateKillInstanceSessionTask', KILL));
    expect(error.code).toBe('InvalidParams');
    expect(error.data.Message).toBe('The request parameters are invalid.');
    expect(error.data.Recommend).toBe(`${emulator.url}/_emulator/requests/${error.data.RequestId}`);
    const explained = (await (await fetch(error.data.Recommend as string)).json()) as { request: unknown };
    expect(explained.request).toMatchObject({ requestId: error.data.RequestId, provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 400, errorCode: 'InvalidParams', detail: 'instance rm-emulatr0001 does not exist for this account' });
  });

  it('finds a Huawei request by its id, and answers 404 for one the journal does not hold', async () => {
    const res = await rawRequest(emulator.url, { path: `/v3/${PROJECT}/quotas` });
    const id = res.json().request_id as string;
    expect((await explanation(`${emulator.url}/_emulator/requests/${id}`)).body.request).toMatchObject({ requestId: id, status: 401, detail: 'x-auth-token not found' });
    const missing = await explanation(`${emulator.url}/_emulator/requests/00000000000000000000000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('request 00000000000000000000000000000000 is not in the journal (it keeps the last 1000 requests)');
  });

  it('IAM token refusals keep one message on the wire and say which part was wrong in the detail, never the password', async () => {
    const token = (user: string, domain: string, password: string) =>
      rawRequest(emulator.url, { method: 'POST', path: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: domain } } } }, scope: { project: { id: PROJECT } } } }) });
    const cases: Array<[string, string, string, string]> = [
      ['emulator', 'emulator', 'Wrong#Pass-1', 'wrong password for user "emulator" of domain "emulator"'],
      ['nobody', 'emulator', 'Wrong#Pass-2', 'domain "emulator" has no user "nobody"'],
      ['emulator', 'elsewhere', 'Wrong#Pass-3', 'no domain "elsewhere" (by name or id) in the fixtures'],
    ];
    for (const [user, domain, password, detail] of cases) {
      const res = await token(user, domain, password);
      expect(res.status).toBe(401);
      expect(res.json()).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The username or password is wrong.' } });
      expect(res.headers['x-emulator-error-detail']).toBe(detail);
      expect(JSON.stringify(res.headers)).not.toContain(password);
    }
  });

  it('a time out of the window says which way it is off', async () => {
    const old = new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const error = await callError(dasClient('openapi-v1', emulator.url).call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001' }, { timestamp: old }));
    expect(error.code).toBe('InvalidTimeStamp.Expired');
    const detail = (await explanation(`${emulator.url}/_emulator/requests/${error.data.RequestId}`)).body.request.detail as string;
    expect(detail).toMatch(/^Timestamp \S+ is 1\d{3} s behind server time \S+ \(15 minutes allowed\)$/);
  });

  it('a Huawei client built without a project id is told so, not that its SK is wrong', async () => {
    const credentials = new BasicCredentials().withAk('EMULATORTESTAK000001').withSk('emulatorTestSecretKey0001');
    const hc = new ClientBuilder<HcClient>((h: HcClient) => h).withCredential(credentials).withEndpoint(emulator.url).withOptions({ customUserAgent: 'tests' }).build();
    const error = await huaweiError(hc.sendRequest({ method: 'GET', url: '/v3/{project_id}/quotas', contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {}, responseHeaders: [''] } as never));
    expect(error).toMatchObject({ httpStatusCode: 401, errorCode: 'APIGW.0301', errorMsg: 'Incorrect IAM authentication information: verify aksk signature fail' });
    const detail = (await explanation(`${emulator.url}/_emulator/requests/${error.requestId}`)).body.request.detail as string;
    expect(detail).toBe('the path holds a literal {project_id}: the client has no project id; give its credentials one (withProjectId), or build it with a region so that it asks IAM');
  });
});

describe('startEmulator() prints each refusal by default', () => {
  it('one warning line on stderr with the code and the reason, nothing for a success', async () => {
    const script = `
      import { startEmulator } from 'das-emulator';
      const emulator = await startEmulator();
      await fetch(emulator.url + '/_emulator/health');
      await fetch(emulator.url + '/v3/nope');
      await emulator.stop();`;
    const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], { cwd: process.cwd() });
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ WARN  request refused id="[0-9a-f]{32}" method="GET" path="\/v3\/nope" provider="huawei" status=404 code="APIGW.0101" detail="no API for GET \/v3\/nope" ms=/);
  });
});
