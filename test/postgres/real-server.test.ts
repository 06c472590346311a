/**
 * Huawei DAS on a real PostgreSQL server, through the SDK core: pg_stat_activity as the process
 * list, pg_terminate_backend with the caller's role, and PostgreSQL's own rules deciding who may end
 * whose session. In one file, so that no two of these tests run at the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { ControlApi, HUAWEI_PG_INSTANCE } from '../admin/control.js';
import { DB_USERS, huaweiClient, huaweiError, KILL_ALL, KILL_PROCESS, PROCESS, PROCESSES, type DasCoreClient } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { PgScope, REQUIRE_POSTGRES, server, TEST_POSTGRES_URL, unavailableReason, type DbRole, type Victim } from './server.js';

const reason = await unavailableReason();
if (reason && !REQUIRE_POSTGRES) console.warn(`[das-emulator tests] SKIPPING real PostgreSQL tests: ${reason}`);


describe('the test PostgreSQL server', () => {
  it.runIf(REQUIRE_POSTGRES)('answers, as REQUIRE_POSTGRES=1 demands', () => {
    expect(reason).toBeUndefined();
  });
});

describe.skipIf(reason !== undefined)('real pg_terminate_backend through the Huawei SDK core', () => {
  let scope: PgScope;
  let emulator: RunningEmulator;
  let client: DasCoreClient;
  let api: ControlApi;
  let cleanup: () => void;
  let shop: string;
  let su: DbRole;
  let signaler: DbRole;
  let app: DbRole;
  let app2: DbRole;
  let manager: DbRole;
  let internal: DbRole;
  let maint: DbRole;

  beforeAll(async () => {
    scope = await PgScope.open();
    shop = await scope.createDatabase('shop');
    su = await scope.createRole('su', 'superuser');
    signaler = await scope.createRole('signaler', 'signal-any');
    app = await scope.createRole('app', 'standard');
    app2 = await scope.createRole('app2', 'standard');
    internal = await scope.createRole('rdsadmin', 'standard');
    manager = await scope.createRole('manager', 'standard', [app]);
    maint = await scope.createRole('maint', 'standard', [app, app2, internal]);
    const fixtures = defaultFixtures();
    // Huawei protects its accounts whatever their case: the fixture spells this one in capitals.
    fixtures.huawei.internalAccounts.push(internal.user.toUpperCase());
    const file = writeFixtures(fixtures);
    cleanup = file.cleanup;
    emulator = await startTestEmulator({ fixtures: file.path, postgresUrl: TEST_POSTGRES_URL });
    client = huaweiClient(emulator.url);
    api = new ControlApi(emulator.url);
  });
  afterAll(async () => {
    await emulator?.stop();
    cleanup?.();
    await scope?.dispose();
  });

  const onPg = { instance_id: HUAWEI_PG_INSTANCE };
  const register = async (role: DbRole, datastoreType = 'PostgreSQL', instanceId = HUAWEI_PG_INSTANCE) =>
    (await client.send({ method: 'POST', url: DB_USERS, pathParams: { instance_id: instanceId }, data: { db_username: role.user, db_user_password: role.password, datastore_type: datastoreType } })).db_user_id as string;
  /** Makes `role` the account CancelInstanceProcess kills with: the only one registered on the instance. */
  const killWith = async (role: DbRole) => {
    emulator.reset(HUAWEI_PG_INSTANCE);
    return register(role);
  };
  const cancel = (processes: Array<{ id: number | bigint; user: string }>) =>
    client.send({ method: 'POST', url: KILL_PROCESS, pathParams: onPg, data: { engine_type: 'postgresql', processes: processes.map((p) => ({ id: Number(p.id), user: p.user })) } });
  const list = (dbUserId: string, query: Record<string, string | number> = {}) => client.send({ method: 'GET', url: PROCESSES, pathParams: onPg, queryParams: { db_user_id: dbUserId, limit: 100, ...query } });
  const aliveOf = (...victims: Victim[]) => Promise.all(victims.map((v) => scope.alive(v)));
  const named = (victim: Victim, user = victim.user) => ({ id: victim.id, user });

  it('the instance shows as bound to the server, and the control API lists its sessions from pg_stat_activity', async () => {
    const summary = (await api.get<{ instances: Array<{ id: string; nodes: unknown[] }> }>('/instances')).body.instances.find((i) => i.id === HUAWEI_PG_INSTANCE);
    expect(summary?.nodes).toEqual([{ id: '', role: 'primary', backend: 'postgres', server: `postgresql://${server.account!.user}@${server.host}:${server.port}/${server.database}` }]);
    const victim = await scope.idle(app, shop);
    const sessions = await api.sessions(HUAWEI_PG_INSTANCE);
    expect(sessions.find((s) => s.id === Number(victim.id))).toMatchObject({ user: app.user, db: shop, command: 'Sleep', state: 'idle', info: 'SELECT 1' });
  });

  it('RegisterDbUser logs in: a role that does not exist is DAS.200051; datastore_type MySQL is DAS.200107', async () => {
    emulator.reset(HUAWEI_PG_INSTANCE);
    expect(await register(app)).toMatch(/^[0-9a-f-]{36}$/);
    expect(await huaweiError(register({ user: `${scope.prefix}_nobody`, password: 'x' }))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200051', errorMsg: 'Authentication failed' });
    expect(await huaweiError(register(app2, 'MySQL'))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200107' });
    const users = await client.send({ method: 'GET', url: DB_USERS, pathParams: onPg, queryParams: { offset: 0, limit: 100 } });
    expect((users.db_users as Array<{ db_username: string }>).map((u) => u.db_username)).toEqual([app.user]);
  });

  it('ListProcesses maps pg_stat_activity (idle, pg_sleep, in a transaction) to Process, never showing the emulator\'s own connection', async () => {
    const idle = await scope.idle(app, shop);
    const sleeping = await scope.sleeping(app2, shop);
    const inTrx = await scope.inTransaction(app, shop);
    const ownSession = await scope.idle(su, shop);
    const suId = await killWith(su);
    const processes = (await list(suId)).processes as Array<Record<string, string>>;
    const byId = (v: Victim) => processes.find((p) => p.id === v.id.toString());
    expect(byId(idle)).toEqual({ id: idle.id.toString(), user: app.user, host: expect.stringMatching(/^127\.0\.0\.1:\d+$/), database: shop, command: 'Sleep', time: expect.stringMatching(/^\d+$/), state: 'idle', sql: 'SELECT 1', trx_executed_time: '0' });
    expect(byId(sleeping)).toMatchObject({ user: app2.user, command: 'Query', state: 'active', sql: 'SELECT pg_sleep(60)' });
    expect(byId(inTrx)).toMatchObject({ user: app.user, command: 'Sleep', state: 'idle in transaction', sql: 'INSERT INTO t VALUES (1)', trx_executed_time: expect.stringMatching(/^\d+$/) });
    // The su role has one session of the test's and one of the emulator's (the listing): only the test's is listed.
    const suRows = ((await list(suId, { user: su.user })).processes as Array<{ id: string }>).map((p) => p.id);
    expect(suRows).toEqual([ownSession.id.toString()]);
    // A role without pg_read_all_stats sees its own role's sessions only, as PostgreSQL shows them in full.
    const appId = await register(app);
    const appRows = (await list(appId)).processes as Array<{ user: string; id: string }>;
    expect(appRows.map((p) => p.user).every((u) => u === app.user)).toBe(true);
    expect(appRows.map((p) => p.id)).toEqual(expect.arrayContaining([idle.id.toString(), inTrx.id.toString()]));
  });

  it('CancelInstanceProcess with a pg_signal_backend role: ends other roles\' sessions, not a superuser\'s, and each only while it is the named user\'s', async () => {
    const idle = await scope.idle(app, shop);
    const sleeping = await scope.sleeping(app2, shop);
    const inTrx = await scope.inTransaction(app, shop);
    const superSession = await scope.idle(su, shop);
    const misnamed = await scope.idle(app2, shop);
    await killWith(signaler);
    const res = await cancel([named(idle), named(sleeping), named(inTrx), named(superSession), named(misnamed, app.user)]);
    expect(res).toEqual({ httpStatusCode: 200, count: 3 });
    expect(await aliveOf(idle, sleeping, inTrx, superSession, misnamed)).toEqual([false, false, false, true, true]);
    // PostgreSQL refused the superuser's session: the task says so.
    const [task] = await api.tasks(`?instanceId=${HUAWEI_PG_INSTANCE}&limit=1`);
    expect(task!.results.find((r) => r.sessionId === Number(superSession.id))).toMatchObject({ outcome: 'no_permission' });
    // A superuser ends it.
    await killWith(su);
    expect(await cancel([named(superSession)])).toEqual({ httpStatusCode: 200, count: 1 });
    expect(await scope.alive(superSession)).toBe(false);
  });

  it('a role ends the sessions of roles it is a member of, and no other; a standard role only its own', async () => {
    const appSession = await scope.idle(app, shop);
    const app2Session = await scope.sleeping(app2, shop);
    await killWith(manager);
    expect(await cancel([named(appSession), named(app2Session)])).toEqual({ httpStatusCode: 200, count: 1 });
    expect(await aliveOf(appSession, app2Session)).toEqual([false, true]);
    const own = await scope.idle(app, shop);
    await killWith(app);
    expect(await cancel([named(own), named(app2Session)])).toEqual({ httpStatusCode: 200, count: 1 });
    expect(await aliveOf(own, app2Session)).toEqual([false, true]);
  });

  it('protects an internal account whatever the case of its name', async () => {
    const session = await scope.idle(internal, shop);
    await killWith(su);
    expect(await cancel([named(session)])).toEqual({ httpStatusCode: 200, count: 0 });
    expect(await scope.alive(session)).toBe(true);
  });

  it('hostile users, filters and ids reach no SQL: a canary of another role survives them all', async () => {
    const canary = await scope.sleeping(app2, shop);
    const suId = await killWith(su);
    const users = [`${app2.user}' OR '1'='1`, `' OR 1=1 -- `, `${app2.user}%`, '%', '_', app2.user.toUpperCase(), `${app2.user} `, `${app2.user}\\`, `${app2.user}'); SELECT pg_terminate_backend(${canary.id}); --`, `$1`, `*/ OR /*`];
    for (const user of users) expect(await cancel([{ id: canary.id, user }]), user).toEqual({ httpStatusCode: 200, count: 0 });
    // Ids no backend has: beyond a pid's range, or simply absent.
    expect(await cancel([{ id: 2 ** 40, user: app2.user }, { id: 2 ** 31 - 1, user: app2.user }])).toEqual({ httpStatusCode: 200, count: 0 });
    for (const user of users) expect((await list(suId, { user, database: shop })).processes).toEqual([]);
    for (const database of [`${shop}' OR '1'='1`, '%', `${shop.slice(0, -1)}_`]) expect((await list(suId, { database })).processes).toEqual([]);
    expect(await huaweiError(register({ user: `${su.user}' --`, password: '' }))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200051' });
    expect(await scope.alive(canary)).toBe(true);
    // The same process named exactly does end: the canary was killable all along.
    expect(await cancel([named(canary)])).toEqual({ httpStatusCode: 200, count: 1 });
    expect(await scope.alive(canary)).toBe(false);
  });

  it('an automatic kill task ends matching sessions on the server as they appear (statement text), and spares the rest', async () => {
    const auto = (url: string, method: 'PUT' | 'POST', data: unknown) => client.send({ method, url: `/v3/{project_id}/instances/{instance_id}/auto-flow/${url}`, pathParams: onPg, data });
    const bystander = await scope.idle(app2, shop);
    const marker = `das_auto_${scope.prefix}`;
    emulator.reset(HUAWEI_PG_INSTANCE);
    expect(await auto('add-kill-process-task', 'PUT', { time: 0, task_duration: 600, task_type: 'auto', info: marker })).toEqual({ httpStatusCode: 200, success: true });
    expect(await auto('set-kill-process-task-switch', 'POST', { status: 'on' })).toEqual({ httpStatusCode: 200, success: true });
    try {
      const busy = await scope.idle(app, shop);
      busy.client.query(`SELECT pg_sleep(60) AS ${marker}`).catch(() => {});
      await scope.until(async () => !(await scope.alive(busy)));
      expect(await scope.alive(bystander)).toBe(true);
    } finally {
      await auto('set-kill-process-task-switch', 'POST', { status: 'off' });
    }
  });

  it('DeleteProcess does not serve PostgreSQL: DAS.200114, nothing ends', async () => {
    const victim = await scope.idle(app, shop);
    const suId = await killWith(su);
    const error = await huaweiError(client.send({ method: 'DELETE', url: PROCESS, pathParams: onPg, data: { db_user_id: suId, process_ids: [victim.id.toString()] } }));
    expect(error).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200114' });
    expect(await scope.alive(victim)).toBe(true);
  });

  it('DeleteAllSessions ends every session its maintenance role may end; a superuser\'s, an internal account\'s and other roles\' survive', async () => {
    // An instance of its own, maintained by a role that is a member of app, app2 and the internal role only,
    // so a kill-all cannot reach anybody else's sessions on the shared server.
    const own = await api.post<{ instance: { id: string } }>('/instances', { from: HUAWEI_PG_INSTANCE, postgres: `postgresql://${encodeURIComponent(maint.user)}:${maint.password}@${server.host}:${server.port}/${shop}` });
    expect(own.status).toBe(201);
    const instanceId = own.body.instance.id;
    const victims = [await scope.idle(app, shop), await scope.sleeping(app2, shop), await scope.inTransaction(app, shop)];
    const survivors = [await scope.idle(su, shop), await scope.idle(internal, shop), await scope.idle(signaler, shop)];
    const res = await client.send({ method: 'POST', url: KILL_ALL, pathParams: { instance_id: instanceId } });
    expect(res).toEqual({ httpStatusCode: 200, success: true });
    expect(await aliveOf(...victims)).toEqual([false, false, false]);
    expect(await aliveOf(...survivors)).toEqual([true, true, true]);
    await api.delete(`/instances/${instanceId}`);
  });
});

describe.skipIf(reason !== undefined)('health with a PostgreSQL server bound', () => {
  let emulator: RunningEmulator | undefined;
  afterAll(async () => {
    await emulator?.stop();
  });
  const health = async () => {
    const res = await fetch(`${emulator!.url}/_emulator/health`);
    return { status: res.status, body: (await res.json()) as { ready: boolean; backends: Record<string, unknown>[] } };
  };

  it('a bound server that answers: ready, with the server (no password) and its instance', async () => {
    emulator = await startTestEmulator({ postgresUrl: TEST_POSTGRES_URL });
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.backends).toEqual([
      { backend: 'simulated', state: 'ready' },
      { backend: 'postgres', server: `postgresql://${server.account!.user}@${server.host}:${server.port}/${server.database}`, instances: [HUAWEI_PG_INSTANCE], state: 'ready', checkedAt: expect.any(String) },
    ]);
    await emulator.stop();
    emulator = undefined;
  });

  it('a role the server refuses: 503, state refused with the server\'s reason, never the password', async () => {
    emulator = await startTestEmulator({ postgresUrl: `postgresql://das_emulator_nobody:Wrong%23Secret42@${server.host}:${server.port}/${server.database}` });
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.backends[1]).toMatchObject({ backend: 'postgres', state: 'refused', reason: expect.stringMatching(/das_emulator_nobody/) });
    expect(JSON.stringify(body)).not.toContain('Wrong#Secret42');
  });
});
