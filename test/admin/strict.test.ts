import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { dasClient } from '../alibaba/clients.js';
import { DB_USERS, huaweiClient, PROCESS, PROJECT, registerDbUser } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';
import { CLIENT_KINDS } from '../alibaba/clients.js';
import { ALIBABA_ADMIN, ControlApi, HUAWEI_INSTANCE, RDS } from './control.js';

interface WarningsView {
  strict: boolean;
  warnings: Array<{ requestId: string; time: string; provider: string; operation: string; kind: string; parameter: string; in: string; message: string }>;
}

describe('strict mode: contract warnings', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });
  const start = async (strict: boolean) => {
    emulator = await startTestEmulator({ strict, auth: 'off' });
    return { url: emulator.url, api: new ControlApi(emulator.url) };
  };

  it('every official Alibaba client, every operation: no warnings for what they send (common parameters included)', async () => {
    const { url, api } = await start(true);
    for (const kind of CLIENT_KINDS) {
      const client = dasClient(kind, url);
      const created = await client.call('CreateKillInstanceSessionTask', { InstanceId: RDS, ...ALIBABA_ADMIN, KillAllSessions: false, SessionIds: '[101]', IgnoredUsers: '["app"]' });
      await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: created.Data as string });
      await client.call('CreateKillInstanceSessionTaskWithMaintainUser', { InstanceId: RDS, KillAllSessions: true });
      await client.call('GetMySQLAllSessionAsync', { InstanceId: RDS });
    }
    expect((await api.get<WarningsView>('/contract-warnings')).body).toEqual({ strict: true, warnings: [] });
  });

  it('an Alibaba parameter the operation does not define is a warning (name only, never its value), and the answer is what the cloud answers', async () => {
    const { url, api } = await start(true);
    const client = dasClient('openapi-v3', url);
    const body = await client.call('CreateKillInstanceSessionTask', { InstanceId: RDS, ...ALIBABA_ADMIN, KillAllSessions: false, SessionIds: '[101]', IgnoreUsers: '["app"]', DbUserPasswd: 'Leak#me' });
    expect(body.Success).toBe(true);
    const { body: view, text } = await api.get<WarningsView>('/contract-warnings');
    expect(view.warnings.map((w) => [w.provider, w.operation, w.kind, w.parameter, w.in]).sort()).toEqual([
      ['alibaba', 'CreateKillInstanceSessionTask', 'unknown_parameter', 'DbUserPasswd', 'query'],
      ['alibaba', 'CreateKillInstanceSessionTask', 'unknown_parameter', 'IgnoreUsers', 'query'],
    ]);
    expect(view.warnings.find((w) => w.parameter === 'IgnoreUsers')!.message).toBe('CreateKillInstanceSessionTask does not define the parameter "IgnoreUsers" (query); the cloud ignores it');
    expect(text).not.toContain('Leak#me');
    const entry = (await api.journal()).entries[0]!;
    expect(entry.warnings.map((w) => w.parameter).sort()).toEqual(['DbUserPasswd', 'IgnoreUsers']);
    expect(view.warnings[0]!.requestId).toBe(entry.requestId);
  });

  it('an Alibaba parameter sent twice is a warning (the emulator refuses it, as before)', async () => {
    const { url, api } = await start(true);
    const res = await rawRequest(url, { path: `/?Action=GetMySQLAllSessionAsync&Version=2020-01-16&InstanceId=${RDS}&InstanceId=${RDS}` });
    expect(res.status).toBe(400);
    expect((await api.get<WarningsView>('/contract-warnings')).body.warnings.map((w) => [w.kind, w.parameter, w.in])).toEqual([['repeated_parameter', 'InstanceId', 'query']]);
  });

  it('Huawei: query parameters and JSON body keys the operation does not define, a repeated query parameter and a body key written twice; path parameters and headers never', async () => {
    const { url, api } = await start(true);
    const huawei = huaweiClient(url);
    const dbUserId = await registerDbUser(huawei, 'dbadmin', 'Dbadmin#2026');
    await huawei.send({ method: 'GET', url: DB_USERS, queryParams: { offset: 0, limit: 10 } });
    expect((await api.get<WarningsView>('/contract-warnings')).body.warnings).toEqual([]);
    await huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: dbUserId, process_ids: ['1001'], users: 'app' } });
    const base = `/v3/${PROJECT}/instances/${HUAWEI_INSTANCE}`;
    await rawRequest(url, { path: `${base}/db-users?limit=5&limit=6&page=2` });
    const twice = `{"db_user_id":"${dbUserId}","user":"app","user":"root"}`;
    await rawRequest(url, { method: 'DELETE', path: `${base}/process`, headers: { 'content-type': 'application/json', 'content-length': String(twice.length) }, body: twice });
    expect((await api.get<WarningsView>('/contract-warnings')).body.warnings.map((w) => [w.operation, w.kind, w.parameter, w.in])).toEqual([
      ['DeleteProcess', 'unknown_parameter', 'users', 'body'],
      ['ListDbUsers', 'repeated_parameter', 'limit', 'query'],
      ['ListDbUsers', 'unknown_parameter', 'page', 'query'],
      ['DeleteProcess', 'repeated_parameter', 'user', 'body'],
    ]);
  });

  it('verify with noWarnings fails while any warning exists, naming each', async () => {
    const { url, api } = await start(true);
    await dasClient('openapi-v3', url).call('GetMySQLAllSessionAsync', { InstanceId: RDS, Nodeid: 'x' });
    const res = await api.post<{ message: string; warnings: unknown[] }>('/verify', { noWarnings: true });
    expect(res.status).toBe(409);
    expect(res.body.warnings).toHaveLength(1);
    expect(res.body.message).toMatch(/^expected no contract warnings, found 1:\n {2}alibaba GetMySQLAllSessionAsync [0-9A-F-]{36}: GetMySQLAllSessionAsync does not define the parameter "Nodeid" \(query\); the cloud ignores it$/);
    const combined = await api.post<{ message: string }>('/verify', { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', noWarnings: true });
    expect(combined.status).toBe(409);
    await api.post('/reset');
    expect((await api.post('/verify', { noWarnings: true })).status).toBe(200);
  });

  it('without --strict nothing is recorded, and contract-warnings says strict is off', async () => {
    const { url, api } = await start(false);
    await dasClient('openapi-v3', url).call('GetMySQLAllSessionAsync', { InstanceId: RDS, Nodeid: 'x' });
    expect((await api.get<WarningsView>('/contract-warnings')).body).toEqual({ strict: false, warnings: [] });
    expect((await api.journal()).entries[0]!.warnings).toEqual([]);
  });
});
