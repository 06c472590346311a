import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FIXTURES } from '../../src/config.js';
import type { RunningEmulator } from '../../src/emulator.js';
import { ControlApi } from '../admin/control.js';
import { startTestEmulator } from '../support/emulator.js';
import { CLIENT_KINDS, dasClient, runtimeOf, type DasClient } from './clients.js';
import { expectCloudError } from './cloud-error.js';
import { castLikeSdk, GetRedisAllSessionResponseBody, KillInstanceAllSessionResponseBody } from './das-models.js';

const REDIS = 'r-emulator0001';
const INVALID = 'The request parameters are invalid.';

/** The default fixtures plus an identity whose policy denies the Redis kill, and one allowed only to list. */
function fixturesWithRedisDenials(): string {
  const document = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'));
  document.$schema = undefined;
  document.alibaba.accounts[0].identities.push(
    { name: 'no-redis-kill', accessKeys: [{ id: 'noRedisKillKeyId', secret: 'noRedisKillSecret' }], policies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'hdm:*' }, { Effect: 'Deny', Action: 'hdm:KillInstanceAllSession' }] }] },
    { name: 'mysql-only', accessKeys: [{ id: 'mysqlOnlyKeyId', secret: 'mysqlOnlySecret' }], policies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'hdm:GetMySQLAllSessionAsync' }] }] },
  );
  const file = join(mkdtempSync(join(tmpdir(), 'das-redis-')), 'fixtures.json');
  writeFileSync(file, JSON.stringify(document));
  return file;
}

describe.each(CLIENT_KINDS)('Alibaba Redis session control through %s (simulated)', (kind) => {
  let emulator: RunningEmulator;
  let client: DasClient;
  const runtime = runtimeOf(kind);

  beforeAll(async () => {
    emulator = await startTestEmulator({ fixtures: fixturesWithRedisDenials() });
    client = dasClient(kind, emulator.url);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  const listClients = async (InstanceId = REDIS) => {
    const body = await client.call('GetRedisAllSession', { InstanceId });
    expect(body).toMatchObject({ Code: 200, Message: 'Successful', Success: true, RequestId: expect.stringMatching(/^[0-9A-F-]{36}$/) });
    if (runtime !== 'pop-core') expect(castLikeSdk(body, GetRedisAllSessionResponseBody, runtime)).toMatchObject({ code: 200, success: true });
    return body.Data as { Timestamp: number; Total: number; Sessions: Array<Record<string, any>>; SourceStats: Array<Record<string, any>> };
  };

  it('GetRedisAllSession lists the clients in the documented shape', async () => {
    const before = Date.now();
    const data = await listClients();
    expect(Object.keys(data).sort()).toEqual(['Sessions', 'SourceStats', 'Timestamp', 'Total']);
    expect(data.Timestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(data.Total).toBe(7);
    expect(data.Sessions.map((s) => s.Id)).toEqual([201, 202, 203, 204, 205, 206, 207]);
    // Age is a string in the model, Idle a number; both grow from the fixture's values.
    expect(data.Sessions[2]).toEqual({
      Id: 203,
      Addr: '10.0.1.16:51200',
      Client: '10.0.1.16',
      Name: 'queue-worker',
      Age: expect.stringMatching(/^90\d$/),
      Idle: expect.any(Number),
      Flags: 'b',
      Db: 0,
      Sub: 0,
      Psub: 0,
      Multi: -1,
      Qbuf: 0,
      QbufFree: 0,
      Obl: 0,
      Oll: 0,
      Omem: 0,
      Events: 'r',
      Cmd: 'blpop',
      Fd: 10,
      NodeId: 'r-emulator0001-db-0',
      ClientDesc: '',
    });
    expect(data.Sessions[2]!.Idle).toBeGreaterThanOrEqual(30);
    expect(data.Sessions[1]).toMatchObject({ Db: 1, Cmd: 'set', Name: 'order-svc' });
    expect(data.Sessions[3]).toMatchObject({ Flags: 'P', Sub: 2, Cmd: 'subscribe' });
    expect(data.Sessions[4]).toMatchObject({ Flags: 'x', Multi: 2, Name: '' });
    expect(data.SourceStats).toEqual([
      { Key: '10.0.1.15', Count: '2', Ids: [201, 202] },
      { Key: '10.0.1.16', Count: '1', Ids: [203] },
      { Key: '10.0.1.17', Count: '1', Ids: [204] },
      { Key: '10.0.2.40', Count: '1', Ids: [205] },
      { Key: '10.0.9.2', Count: '1', Ids: [206] },
      { Key: '127.0.0.1', Count: '1', Ids: [207] },
    ]);
  });

  it('KillInstanceAllSession answers Code "200" and Success "true" as strings, and kills all but the replica link and the internal account', async () => {
    const body = await client.call('KillInstanceAllSession', { InstanceId: REDIS });
    expect(body).toEqual({ RequestId: expect.stringMatching(/^[0-9A-F-]{36}$/), Code: '200', Message: 'Successful', Success: 'true', Data: 'None' });
    if (runtime !== 'pop-core') expect(castLikeSdk(body, KillInstanceAllSessionResponseBody, runtime)).toMatchObject({ code: '200', success: 'true', data: 'None' });
    const left = await listClients();
    expect(left.Sessions.map((s) => [s.Id, s.Flags])).toEqual([
      [206, 'S'],
      [207, 'N'],
    ]);
    expect(left.Total).toBe(2);
    // The kill is a task of the control API, every client with its outcome.
    const control = new ControlApi(emulator.url);
    const entry = (await control.journal()).entries.find((e) => e.operation === 'KillInstanceAllSession' && e.requestId === body.RequestId);
    expect(entry?.taskIds).toHaveLength(1);
    const [task] = await control.tasks(`?instanceId=${REDIS}`);
    expect(task).toMatchObject({ id: entry!.taskIds![0], instanceId: REDIS, state: 'success', killAll: true, dbUser: 'aliyun_root' });
    expect(Object.fromEntries(task!.results.map((r) => [r.sessionId, r.outcome]))).toEqual({ 201: 'killed', 202: 'killed', 203: 'killed', 204: 'killed', 205: 'killed', 206: 'internal', 207: 'internal' });
    expect(task!.results.find((r) => r.sessionId === 203)!.session).toMatchObject({ user: 'default', host: '10.0.1.16:51200', db: '0', command: 'blpop', state: 'b', info: 'queue-worker' });
  });

  it('KillInstanceAllSession again finds nothing more to kill, and still succeeds', async () => {
    await client.call('KillInstanceAllSession', { InstanceId: REDIS });
    expect(await client.call('KillInstanceAllSession', { InstanceId: REDIS, ConsoleContext: 'None' })).toMatchObject({ Code: '200', Success: 'true' });
    expect((await listClients()).Total).toBe(2);
  });

  it('a private copy of the instance has its own clients', async () => {
    const mine = emulator.createInstance({ from: REDIS });
    expect(mine.id).toMatch(/^r-[0-9a-f]{16}$/);
    await client.call('KillInstanceAllSession', { InstanceId: mine.id });
    expect((await listClients(mine.id)).Total).toBe(2);
    expect((await listClients()).Total).toBe(7);
    emulator.deleteInstance(mine.id);
  });

  describe('errors', () => {
    it.each<[string, Record<string, string>, string]>([
      ['GetRedisAllSession', {}, 'InstanceId missing'],
      ['KillInstanceAllSession', {}, 'InstanceId missing'],
      ['GetRedisAllSession', { InstanceId: 'r-doesnotexist' }, 'an instance that does not exist'],
      ['KillInstanceAllSession', { InstanceId: 'r-doesnotexist' }, 'an instance that does not exist'],
      ['GetRedisAllSession', { InstanceId: 'rm-emulator0001' }, 'a MySQL instance'],
      ['KillInstanceAllSession', { InstanceId: 'rm-emulator0001' }, 'a MySQL instance'],
      ['KillInstanceAllSession', { InstanceId: 'pc-emulator0001' }, 'a PolarDB cluster'],
      ['KillInstanceAllSession', { InstanceId: '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01' }, "a Huawei instance (another cloud's)"],
    ])('%s with %j (%s) is InvalidParams 400', async (action, params) => {
      await expectCloudError(client, client.call(action, params), 'InvalidParams', 400, INVALID);
    });

    it('MySQL operations on the Redis instance stay InvalidParams, and kill nothing there', async () => {
      await expectCloudError(client, client.call('CreateKillInstanceSessionTaskWithMaintainUser', { InstanceId: REDIS, KillAllSessions: true }), 'InvalidParams', 400, INVALID);
      await expectCloudError(client, client.call('GetMySQLAllSessionAsync', { InstanceId: REDIS }), 'InvalidParams', 400, INVALID);
      expect((await listClients()).Total).toBe(7);
    });

    it('a policy that denies hdm:KillInstanceAllSession gets NoPermission 403, and nothing is killed', async () => {
      const denied = dasClient(kind, emulator.url, { accessKeyId: 'noRedisKillKeyId', accessKeySecret: 'noRedisKillSecret' });
      const error = await expectCloudError(denied, denied.call('KillInstanceAllSession', { InstanceId: REDIS }), 'NoPermission', 403, 'You are not authorized to do this action.');
      expect(error.data.AccessDeniedDetail).toMatchObject({ AuthAction: 'hdm:KillInstanceAllSession', NoPermissionType: 'ExplicitDeny', AuthPrincipalDisplayName: 'no-redis-kill' });
      expect((await denied.call('GetRedisAllSession', { InstanceId: REDIS })).Data.Total).toBe(7);
    });

    it('a policy without hdm:GetRedisAllSession gets NoPermission 403 (implicit deny)', async () => {
      const narrow = dasClient(kind, emulator.url, { accessKeyId: 'mysqlOnlyKeyId', accessKeySecret: 'mysqlOnlySecret' });
      const error = await expectCloudError(narrow, narrow.call('GetRedisAllSession', { InstanceId: REDIS }), 'NoPermission', 403, 'You are not authorized to do this action.');
      expect(error.data.AccessDeniedDetail).toMatchObject({ AuthAction: 'hdm:GetRedisAllSession', NoPermissionType: 'ImplicitDeny' });
    });
  });
});
