import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { CLIENT_KINDS, dasClient, runtimeOf, type DasClient } from './clients.js';
import { castLikeSdk, CreateKillInstanceSessionTaskResponseBody, GetKillInstanceSessionTaskResultResponseBody, GetMySQLAllSessionAsyncResponseBody } from './das-models.js';

const RDS = 'rm-emulator0001';
const POLARDB = 'pc-emulator0001';
const ADMIN = { DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026' };

describe.each(CLIENT_KINDS)('Alibaba DAS operations through %s', (kind) => {
  let emulator: RunningEmulator;
  let client: DasClient;
  /** The generated DAS SDK (2.x on openapi-client, 3.x on openapi-core) casts bodies to its models; pop-core returns plain JSON. */
  const runtime = runtimeOf(kind);
  const generatedSdkCasts = runtime !== 'pop-core';

  beforeEach(async () => {
    emulator = await startTestEmulator();
    client = dasClient(kind, emulator.url);
  });
  afterEach(() => emulator.stop());

  const createTask = async (params: Record<string, string | boolean>, action = 'CreateKillInstanceSessionTask') => {
    const body = await client.call(action, { InstanceId: RDS, ...params });
    expect(body).toMatchObject({ Code: 200, Message: 'Successful', Success: true });
    if (generatedSdkCasts) expect(castLikeSdk(body, CreateKillInstanceSessionTaskResponseBody, runtime)).toMatchObject({ code: 200, success: true });
    return body.Data as string;
  };

  const taskResult = async (TaskId: string, extra: Record<string, string> = {}) => {
    const body = await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId, ...extra });
    if (generatedSdkCasts) castLikeSdk(body, GetKillInstanceSessionTaskResultResponseBody, runtime);
    return body.Data as Record<string, any>;
  };

  /** Lists a node through the asynchronous API: a first call, then a poll with its ResultId. */
  const listSessions = async (params: Record<string, string> = { InstanceId: RDS }) => {
    const first = await client.call('GetMySQLAllSessionAsync', params);
    expect(first.Data).toMatchObject({ IsFinish: false, State: 'RUNNING' });
    const done = await client.call('GetMySQLAllSessionAsync', { ...params, ResultId: first.Data.ResultId });
    if (generatedSdkCasts) castLikeSdk(done, GetMySQLAllSessionAsyncResponseBody, runtime);
    expect(done.Data).toMatchObject({ IsFinish: true, Complete: true, Fail: false, State: 'SUCCESS', ResultId: first.Data.ResultId });
    return done.Data.SessionData as Record<string, any>;
  };
  const reasons = (data: Record<string, any>) => Object.fromEntries((data.Result as Array<{ Id: number; Reason: string }>).map((r) => [r.Id, r.Reason]));

  it('kills sessions by id and reports each one', async () => {
    const taskId = await createTask({ ...ADMIN, KillAllSessions: false, SessionIds: '[101,104]' });
    expect(taskId).toMatch(/^[0-9a-f]{32}$/);
    const data = await taskResult(taskId);
    expect(data).toMatchObject({ TaskId: taskId, UserId: '1234567890123456', InstanceId: RDS, TaskState: 'SUCCESS', KillSuccessCount: 2, KillFailCount: 0, IgnoredUserSessionCount: 0, Sessions: [101, 104] });
    expect(data.Result).toHaveLength(2);
    expect(data.Result[0]).toMatchObject({ Id: 101, User: 'app', Host: '10.0.1.15:52344', Db: 'shop', Command: 'Sleep', State: '', Info: null, Active: false, Reason: 'SESSION_KILLED' });
    expect(data.Result[0].TaskId).toMatch(/^task_[0-9a-f-]{36}$/);
    expect(data.Result[1]).toMatchObject({ Id: 104, User: 'report', Active: true, Info: expect.stringContaining('GROUP BY customer_id'), Reason: 'SESSION_KILLED' });
    const ids = (await listSessions()).SessionList.map((s: { SessionId: number }) => s.SessionId);
    expect(ids).not.toContain(101);
    expect(ids).not.toContain(104);
    expect(ids).toContain(102);
  });

  it('kills all sessions but ignored users, internal accounts, Binlog Dump and daemon threads', async () => {
    const taskId = await createTask({ ...ADMIN, KillAllSessions: true, IgnoredUsers: '["report"]' });
    const data = await taskResult(taskId);
    expect(reasons(data)).toEqual({
      101: 'SESSION_KILLED',
      102: 'SESSION_KILLED',
      103: 'SESSION_KILLED',
      104: 'SESSION_IGNORED_USER',
      105: 'SESSION_KILLED',
      106: 'SESSION_INTERNAL_USER_OR_COMMAND',
      107: 'SESSION_INTERNAL_USER_OR_COMMAND',
      108: 'SESSION_INTERNAL_USER_OR_COMMAND',
    });
    expect(data).toMatchObject({ TaskState: 'SUCCESS', KillSuccessCount: 4, KillFailCount: 0, IgnoredUserSessionCount: 4, Sessions: [101, 102, 103, 104, 105, 106, 107, 108] });
    const left = (await listSessions()).SessionList.map((s: { User: string }) => s.User);
    expect(left.sort()).toEqual(['aliyun_root', 'event_scheduler', 'replicator', 'report']);
  });

  it('accepts the legacy single-quoted arrays and numeric strings', async () => {
    const taskId = await createTask({ ...ADMIN, KillAllSessions: false, SessionIds: "['101', 102]", IgnoredUsers: "['app']" });
    expect(reasons(await taskResult(taskId))).toEqual({ 101: 'SESSION_IGNORED_USER', 102: 'SESSION_IGNORED_USER' });
  });

  it('lets a standard account kill only its own user sessions', async () => {
    const taskId = await createTask({ DbUser: 'app', DbUserPassword: 'App#2026', KillAllSessions: false, SessionIds: '[101,104,999]' });
    const data = await taskResult(taskId);
    expect(reasons(data)).toEqual({ 101: 'SESSION_KILLED', 104: 'SESSION_NO_PERMISSION', 999: 'SESSION_EXPIRED' });
    expect(data).toMatchObject({ TaskState: 'FAILURE', KillSuccessCount: 1, KillFailCount: 2 });
  });

  it('fails the task with SESSION_ACCOUNT_ERROR for a wrong DB password and kills nothing', async () => {
    const taskId = await createTask({ DbUser: 'dbadmin', DbUserPassword: 'wrong', KillAllSessions: true });
    const data = await taskResult(taskId);
    expect(data.TaskState).toBe('FAILURE');
    expect(data.KillSuccessCount).toBe(0);
    expect(new Set(Object.values(reasons(data)))).toEqual(new Set(['SESSION_ACCOUNT_ERROR', 'SESSION_INTERNAL_USER_OR_COMMAND']));
    expect((await listSessions()).TotalSessionCount).toBe(8);
  });

  it('kills with the maintenance account in the maintain-user variant', async () => {
    const taskId = await createTask({ KillAllSessions: false, SessionIds: '[104]' }, 'CreateKillInstanceSessionTaskWithMaintainUser');
    expect(await taskResult(taskId)).toMatchObject({ TaskState: 'SUCCESS', KillSuccessCount: 1, Result: [{ Id: 104, Reason: 'SESSION_KILLED' }] });
  });

  it('fans a PolarDB kill-all out to every node, one task each', async () => {
    const data = await createTask({ ...ADMIN, InstanceId: POLARDB, KillAllSessions: true });
    const taskIds = JSON.parse(data) as string[];
    expect(taskIds).toHaveLength(2);
    const [primary, replica] = taskIds as [string, string];
    const onPrimary = await taskResult(primary, { InstanceId: POLARDB, NodeId: 'pi-emulator0001' });
    expect(onPrimary).toMatchObject({ NodeId: 'pi-emulator0001', TaskState: 'SUCCESS', KillSuccessCount: 2, IgnoredUserSessionCount: 2 });
    expect(reasons(onPrimary)).toEqual({ 201: 'SESSION_KILLED', 202: 'SESSION_KILLED', 203: 'SESSION_INTERNAL_USER_OR_COMMAND', 204: 'SESSION_INTERNAL_USER_OR_COMMAND' });
    const onReplica = await taskResult(replica, { InstanceId: POLARDB, NodeId: 'pi-emulator0002' });
    expect(reasons(onReplica)).toEqual({ 301: 'SESSION_KILLED', 302: 'SESSION_KILLED', 303: 'SESSION_INTERNAL_USER_OR_COMMAND', 304: 'SESSION_INTERNAL_USER_OR_COMMAND' });
  });

  it('kills by id on one PolarDB node', async () => {
    const taskId = await createTask({ ...ADMIN, InstanceId: POLARDB, NodeId: 'pi-emulator0002', KillAllSessions: false, SessionIds: '[301]' });
    expect(taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(await taskResult(taskId, { InstanceId: POLARDB, NodeId: 'pi-emulator0002' })).toMatchObject({ TaskState: 'SUCCESS', Result: [{ Id: 301, User: 'report', Reason: 'SESSION_KILLED' }] });
    const replica = await listSessions({ InstanceId: POLARDB, NodeId: 'pi-emulator0002' });
    expect(replica.SessionList.map((s: { SessionId: number }) => s.SessionId)).toEqual([302, 303, 304]);
  });

  it('lists sessions asynchronously with statistics', async () => {
    const data = await listSessions();
    expect(data.TotalSessionCount).toBe(8);
    expect(data.ActiveSessionCount).toBe(3);
    expect(data.MaxActiveTime).toBeGreaterThanOrEqual(312);
    expect(data.SessionList[1]).toMatchObject({ SessionId: 102, User: 'app', Client: '10.0.1.15', DbName: 'shop', Command: 'Query', State: 'Sending data', UserClientAlias: 'app@10.0.1.15' });
    expect(data.SessionList[2]).toMatchObject({ SessionId: 103, TrxId: '421937' });
    expect(data.SessionList[2].TrxDuration).toBeGreaterThanOrEqual(120);
    expect(data.UserStats.find((s: { Key: string }) => s.Key === 'app')).toEqual({ Key: 'app', ActiveCount: 2, TotalCount: 3, ThreadIdList: [101, 102, 103], UserList: ['app'] });
    expect(data.DbStats.find((s: { Key: string }) => s.Key === 'shop')).toMatchObject({ TotalCount: 3, ThreadIdList: [101, 102, 103] });
  });
});
