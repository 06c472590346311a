/** Alibaba's kill and listing calls against a real server, through openapi-client and pop-core. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { dasClient, type DasClient } from '../alibaba/clients.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { ServerScope, TEST_MYSQL_URL, type DbUser, type Victim } from './server.js';

const RDS = 'rm-emulator0001';

export function alibabaKillSuite(): void {
  let scope: ServerScope;
  let emulator: RunningEmulator;
  let client: DasClient;
  let cleanup: () => void;
  let killer: DbUser;
  let app: DbUser;
  let app2: DbUser;
  let ops: DbUser;
  let shop: string;

  beforeAll(async () => {
    scope = await ServerScope.open();
    shop = await scope.createDatabase('shop');
    killer = await scope.createUser('killer', 'kill-any');
    app = await scope.createUser('app', 'standard', [shop]);
    app2 = await scope.createUser('app2', 'standard', [shop]);
    ops = await scope.createUser('ops', 'standard');
    const fixtures = defaultFixtures();
    // An account of this test plays an Alibaba O&M account.
    fixtures.alibaba.internalAccounts.push(ops.user);
    const file = writeFixtures(fixtures);
    cleanup = file.cleanup;
    emulator = await startTestEmulator({ fixtures: file.path, mysqlUrl: TEST_MYSQL_URL });
    client = dasClient('openapi-v3', emulator.url);
  });
  afterAll(async () => {
    await emulator?.stop();
    cleanup?.();
    await scope?.dispose();
  });

  const create = async (params: Record<string, string | boolean>, as: DbUser | 'maintenance' = killer, via = client) => {
    const action = as === 'maintenance' ? 'CreateKillInstanceSessionTaskWithMaintainUser' : 'CreateKillInstanceSessionTask';
    const account = as === 'maintenance' ? {} : { DbUser: as.user, DbUserPassword: as.password };
    return (await via.call(action, { InstanceId: RDS, ...account, ...params })).Data as string;
  };
  const result = async (taskId: string) => (await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: taskId })).Data as Record<string, any>;
  const finished = async (taskId: string) => {
    for (;;) {
      const data = await result(taskId);
      if (data.TaskState !== 'RUNNING') return data;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const ids = (...victims: Victim[]) => JSON.stringify(victims.map((v) => Number(v.id)));
  const reasons = (data: Record<string, any>) => Object.fromEntries((data.Result as Array<{ Id: number; Reason: string }>).map((r) => [r.Id, r.Reason]));

  it('kills idle, sleeping and in-transaction sessions by id and spares the rest', async () => {
    const idle = await scope.idle(app, shop);
    const sleeping = await scope.sleeping(app2, shop);
    const inTrx = await scope.inTransaction(app, shop);
    const canary = await scope.idle(app, shop);
    const data = await finished(await create({ KillAllSessions: false, SessionIds: ids(idle, sleeping, inTrx) }));
    expect(data).toMatchObject({ TaskState: 'SUCCESS', KillSuccessCount: 3, KillFailCount: 0, Sessions: [idle, sleeping, inTrx].map((v) => Number(v.id)) });
    expect(reasons(data)).toEqual({ [Number(idle.id)]: 'SESSION_KILLED', [Number(sleeping.id)]: 'SESSION_KILLED', [Number(inTrx.id)]: 'SESSION_KILLED' });
    const sleepingRow = (data.Result as Array<Record<string, any>>).find((r) => r.Id === Number(sleeping.id));
    expect(sleepingRow).toMatchObject({ User: app2.user, Db: shop, Command: 'Query', Info: 'SELECT SLEEP(60)' });
    expect(await scope.alive(idle)).toBe(false);
    expect(await scope.alive(sleeping)).toBe(false);
    expect(await scope.alive(inTrx)).toBe(false);
    expect(await scope.alive(canary)).toBe(true);
  });

  it('kill-all spares ignored users, internal accounts and everything outside this test', async () => {
    const victims = [await scope.idle(app), await scope.sleeping(app2)];
    const ignored = await scope.idle(app2, shop);
    const internal = await scope.idle(ops);
    const foreign = await scope.foreignUsers();
    const data = await finished(await create({ KillAllSessions: true, IgnoredUsers: JSON.stringify([...foreign, app2.user]) }));
    // app2 is ignored: the sleeping app2 session listed among the victims survives too.
    expect(reasons(data)).toMatchObject({ [Number(victims[0]!.id)]: 'SESSION_KILLED', [Number(victims[1]!.id)]: 'SESSION_IGNORED_USER', [Number(ignored.id)]: 'SESSION_IGNORED_USER', [Number(internal.id)]: 'SESSION_INTERNAL_USER_OR_COMMAND' });
    expect(data.TaskState).toBe('SUCCESS');
    expect(await scope.alive(victims[0]!)).toBe(false);
    expect(await scope.alive(victims[1]!)).toBe(true);
    expect(await scope.alive(ignored)).toBe(true);
    expect(await scope.alive(internal)).toBe(true);
    // The test's own administrator connection (another user) was spared as ignored.
    expect(await scope.session(BigInt(scope.admin.threadId))).toBeDefined();
  });

  it('a standard account kills its own sessions and gets SESSION_NO_PERMISSION for others', async () => {
    const own = await scope.idle(app);
    const other = await scope.idle(app2);
    const data = await finished(await create({ KillAllSessions: false, SessionIds: ids(own, other) }, app, dasClient('popcore-post', emulator.url)));
    expect(data).toMatchObject({ TaskState: 'FAILURE', KillSuccessCount: 1, KillFailCount: 1 });
    expect(reasons(data)).toEqual({ [Number(own.id)]: 'SESSION_KILLED', [Number(other.id)]: 'SESSION_NO_PERMISSION' });
    expect(await scope.alive(own)).toBe(false);
    expect(await scope.alive(other)).toBe(true);
  });

  it('a wrong password fails the task with SESSION_ACCOUNT_ERROR and kills nothing', async () => {
    const victim = await scope.idle(app);
    const data = await finished(await create({ KillAllSessions: false, SessionIds: ids(victim) }, { user: killer.user, password: 'wrong' }, dasClient('openapi-v1', emulator.url)));
    expect(data).toMatchObject({ TaskState: 'FAILURE', KillSuccessCount: 0, KillFailCount: 1 });
    expect(reasons(data)).toEqual({ [Number(victim.id)]: 'SESSION_ACCOUNT_ERROR' });
    expect(await scope.alive(victim)).toBe(true);
  });

  it('an id that exists nowhere is SESSION_EXPIRED; a protected internal session is not killed by id', async () => {
    const internal = await scope.idle(ops);
    const data = await finished(await create({ KillAllSessions: false, SessionIds: `[${Number(internal.id)},4000000000]` }));
    expect(reasons(data)).toEqual({ [Number(internal.id)]: 'SESSION_INTERNAL_USER_OR_COMMAND', 4000000000: 'SESSION_EXPIRED' });
    expect(data.TaskState).toBe('SUCCESS');
    expect(await scope.alive(internal)).toBe(true);
  });

  it('the maintain-user variant kills with the account of the binding URL', async () => {
    const victim = await scope.idle(app2);
    const data = await finished(await create({ KillAllSessions: false, SessionIds: ids(victim) }, 'maintenance'));
    expect(data).toMatchObject({ TaskState: 'SUCCESS', KillSuccessCount: 1 });
    expect(await scope.alive(victim)).toBe(false);
  });

  it('a kill-all on a PolarDB cluster bound to one server runs node by node', async () => {
    const victim = await scope.idle(app);
    const spared = await scope.idle(app2);
    const foreign = await scope.foreignUsers();
    const created = await client.call('CreateKillInstanceSessionTask', { InstanceId: 'pc-emulator0001', DbUser: killer.user, DbUserPassword: killer.password, KillAllSessions: true, IgnoredUsers: JSON.stringify([...foreign, app2.user]) });
    const [first, second] = JSON.parse(created.Data as string) as string[];
    const read = async (nodeId: string, taskId: string) => {
      for (;;) {
        const data = (await client.call('GetKillInstanceSessionTaskResult', { InstanceId: 'pc-emulator0001', NodeId: nodeId, TaskId: taskId })).Data as Record<string, any>;
        if (data.TaskState !== 'RUNNING') return data;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const onPrimary = await read('pi-emulator0001', first!);
    const onReplica = await read('pi-emulator0002', second!);
    expect(reasons(onPrimary)[Number(victim.id)]).toBe('SESSION_KILLED');
    // The second node's listing came after the first node's kill: the victim was already gone.
    expect(reasons(onReplica)[Number(victim.id)]).toBeUndefined();
    expect(reasons(onReplica)[Number(spared.id)]).toBe('SESSION_IGNORED_USER');
    expect([onPrimary.TaskState, onReplica.TaskState]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(await scope.alive(victim)).toBe(false);
    expect(await scope.alive(spared)).toBe(true);
  });

  it('GetMySQLAllSessionAsync lists the real processlist, without the emulator\'s own connection', async () => {
    const sleeping = await scope.sleeping(app, shop);
    const first = (await client.call('GetMySQLAllSessionAsync', { InstanceId: RDS })).Data as Record<string, any>;
    const done = (await client.call('GetMySQLAllSessionAsync', { InstanceId: RDS, ResultId: first.ResultId })).Data as Record<string, any>;
    expect(done).toMatchObject({ IsFinish: true, Complete: true, Fail: false, State: 'SUCCESS' });
    const rows = done.SessionData.SessionList as Array<Record<string, any>>;
    expect(rows.find((r) => r.SessionId === Number(sleeping.id))).toMatchObject({ User: app.user, DbName: shop, Command: 'Query', SqlText: 'SELECT SLEEP(60)' });
    expect(rows.some((r) => r.SqlText?.includes('information_schema.PROCESSLIST'))).toBe(false);
    expect(done.SessionData.TotalSessionCount).toBe(rows.length);
  });

  it('a task stays RUNNING while a killed transaction rolls back, then succeeds', async () => {
    const big = await scope.inTransaction(app, shop, 2 ** 17);
    const taskId = await create({ KillAllSessions: false, SessionIds: ids(big) });
    expect(await result(taskId)).toMatchObject({ TaskState: 'RUNNING', Result: [] });
    const data = await finished(taskId);
    expect(data).toMatchObject({ TaskState: 'SUCCESS', KillSuccessCount: 1 });
    expect(await scope.alive(big)).toBe(false);
  });

  it('creating a task does not wait for the kill', async () => {
    // A non-blocking assertion of order, not of speed: the create call returned while the victim
    // was still rolling back, which only a background kill allows.
    const big = await scope.inTransaction(app2, shop, 2 ** 17);
    await create({ KillAllSessions: false, SessionIds: ids(big) });
    expect((await scope.session(big.id))?.command).toBeDefined();
    await scope.until(async () => !(await scope.alive(big)));
  });
}

/** A server that is bound but does not answer, and one whose sessions roll back past the bound. */
export function alibabaFailureSuite(): void {
  let scope: ServerScope;
  let shop: string;
  let app: DbUser;

  beforeAll(async () => {
    scope = await ServerScope.open();
    shop = await scope.createDatabase('shop');
    app = await scope.createUser('app', 'standard', [shop]);
  });
  afterAll(async () => scope?.dispose());

  it('an unreachable server ends the task in ERROR with SESSION_OTHER_ERROR, and a listing in FAIL', async () => {
    const emulator = await startTestEmulator({ mysqlUrl: 'mysql://root@127.0.0.1:1' });
    try {
      const client = dasClient('popcore-get', emulator.url);
      const taskId = (await client.call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: app.user, DbUserPassword: app.password, KillAllSessions: false, SessionIds: '[42]' })).Data as string;
      let data: Record<string, any>;
      do data = (await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: taskId })).Data;
      while (data.TaskState === 'RUNNING');
      expect(data).toMatchObject({ TaskState: 'ERROR', KillFailCount: 1, Result: [{ Id: 42, Reason: 'SESSION_OTHER_ERROR' }] });
      const first = (await client.call('GetMySQLAllSessionAsync', { InstanceId: RDS })).Data as Record<string, any>;
      const done = (await client.call('GetMySQLAllSessionAsync', { InstanceId: RDS, ResultId: first.ResultId })).Data as Record<string, any>;
      expect(done).toMatchObject({ IsFinish: true, Complete: false, Fail: true, State: 'FAIL' });
      expect(done.SessionData).toBeUndefined();
      // The control plane cannot list it either: 502, in its own envelope.
      const sessions = await fetch(`${emulator.url}/_emulator/instances/${RDS}/sessions`);
      expect(sessions.status).toBe(502);
      expect(((await sessions.json()) as { error: { code: string } }).error.code).toBe('backend_unavailable');
    } finally {
      await emulator.stop();
    }
  });

  it('refuses to load fixtures while a kill runs on a real server (409), and loads them once it ended', async () => {
    const emulator = await startTestEmulator({ mysqlUrl: TEST_MYSQL_URL });
    try {
      const killer = await scope.createUser('loader', 'kill-any');
      const big = await scope.inTransaction(app, shop, 2 ** 17);
      const client = dasClient('openapi-v3', emulator.url);
      const taskId = (await client.call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: killer.user, DbUserPassword: killer.password, KillAllSessions: false, SessionIds: `[${Number(big.id)}]` })).Data as string;
      const load = () => fetch(`${emulator.url}/_emulator/fixtures`, { method: 'POST', body: JSON.stringify(defaultFixtures()) });
      const refused = await load();
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('conflict');
      let data: Record<string, any>;
      do data = (await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: taskId })).Data;
      while (data.TaskState === 'RUNNING');
      expect(data.TaskState).toBe('SUCCESS');
      expect((await load()).status).toBe(200);
    } finally {
      await emulator.stop();
    }
  });

  it('a session still rolling back when the kill timeout passes is SESSION_KILL_TASK_TIMEOUT', async () => {
    const emulator = await startTestEmulator({ mysqlUrl: TEST_MYSQL_URL, killTimeoutMs: 1 });
    try {
      const killer = await scope.createUser('killer', 'kill-any');
      const big = await scope.inTransaction(app, shop, 2 ** 18);
      const client = dasClient('openapi-v3', emulator.url);
      const taskId = (await client.call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: killer.user, DbUserPassword: killer.password, KillAllSessions: false, SessionIds: `[${Number(big.id)}]` })).Data as string;
      let data: Record<string, any>;
      do data = (await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: taskId })).Data;
      while (data.TaskState === 'RUNNING');
      expect(data).toMatchObject({ TaskState: 'FAILURE', KillSuccessCount: 0, KillFailCount: 1, Result: [{ Id: Number(big.id), Reason: 'SESSION_KILL_TASK_TIMEOUT' }] });
      // The kill itself went through: the session is rolling back and goes away on its own.
      expect((await scope.session(big.id))?.command).toBe('Killed');
      await scope.until(async () => !(await scope.alive(big)), 60_000);
    } finally {
      await emulator.stop();
    }
  });
}
