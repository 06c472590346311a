/** The simulated RDS for PostgreSQL instance through the Huawei SDK core: listing, the kills it supports, and the one it does not. */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { ControlApi, HUAWEI_PG_INSTANCE } from '../admin/control.js';
import { startTestEmulator } from '../support/emulator.js';
import { DB_USERS, huaweiClient, huaweiError, INSTANCE, KILL_ALL, KILL_PROCESS, PROCESS, PROCESSES, type DasCoreClient } from './client.js';

const PG_INSTANCE = HUAWEI_PG_INSTANCE;
const ALL = [21001, 21002, 21003, 21004, 21005, 21006, 21007, 21008];
const onPg = { instance_id: PG_INSTANCE };

describe('the Huawei RDS for PostgreSQL instance (simulated) through the SDK core', () => {
  let emulator: RunningEmulator;
  let client: DasCoreClient;
  let api: ControlApi;
  beforeEach(async () => {
    emulator = await startTestEmulator();
    client = huaweiClient(emulator.url);
    api = new ControlApi(emulator.url);
  });
  afterEach(() => emulator.stop());

  const register = async (user: string, password: string, datastoreType = 'PostgreSQL') =>
    (await client.send({ method: 'POST', url: DB_USERS, pathParams: onPg, data: { db_username: user, db_user_password: password, datastore_type: datastoreType } })).db_user_id as string;
  const list = (dbUserId: string, query: Record<string, string | number> = {}) => client.send({ method: 'GET', url: PROCESSES, pathParams: onPg, queryParams: { db_user_id: dbUserId, limit: 100, ...query } });
  const kill = (data: unknown) => client.send({ method: 'POST', url: KILL_PROCESS, pathParams: onPg, data });

  it('the control API lists its sessions, in the fixture shape', async () => {
    expect(await api.sessionIds(PG_INSTANCE)).toEqual(ALL);
    const summary = (await api.get<{ instances: Array<{ id: string; engine: string; nodes: unknown[] }> }>('/instances')).body.instances.find((i) => i.id === PG_INSTANCE);
    expect(summary).toMatchObject({ engine: 'PostgreSQL', nodes: [{ id: '', role: 'primary', backend: 'simulated' }] });
  });

  it('RegisterDbUser wants datastore_type PostgreSQL (any case) and a password the instance accepts', async () => {
    expect(await register('root', 'Root#2026', 'postgresql')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await huaweiError(register('app', 'App#2026', 'MySQL'))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200107', errorMsg: 'The datastore_type is invalid.' });
    expect(await huaweiError(register('app', 'wrong'))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200051', errorMsg: 'Authentication failed' });
    // And the MySQL instance still wants MySQL.
    const onMysql = await huaweiError(client.send({ method: 'POST', url: DB_USERS, data: { db_username: 'app', db_user_password: 'App#2026', datastore_type: 'PostgreSQL' } }));
    expect(onMysql).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200107' });
  });

  it('ListProcesses maps each session to the Process fields: pid, user, client address, database, state, query, transaction age', async () => {
    const root = await register('root', 'Root#2026');
    const res = await list(root);
    expect(res.count).toBe(ALL.length);
    const processes = res.processes as Array<Record<string, string>>;
    expect(processes.map((p) => p.id)).toEqual(ALL.map(String));
    const inTrx = processes.find((p) => p.id === '21003')!;
    expect(inTrx).toEqual({ id: '21003', user: 'app', host: '192.168.0.32:41230', database: 'inventory', command: 'Sleep', time: expect.stringMatching(/^1[5-9]\d$/), state: 'idle in transaction', sql: "UPDATE stock SET qty = qty - 1 WHERE sku = 'B-200'", trx_executed_time: expect.stringMatching(/^1[89]\d$/) });
    expect(processes.find((p) => p.id === '21001')).toMatchObject({ command: 'Sleep', state: 'idle', sql: 'SELECT 1', trx_executed_time: '0' });
    // A standard account sees its own user's sessions (the simulation's rule, as for MySQL).
    const app = await register('app', 'App#2026');
    expect(((await list(app)).processes as Array<{ id: string }>).map((p) => p.id)).toEqual(['21001', '21002', '21003']);
    expect((await list(root, { user: 'report', database: 'analytics' })).processes).toEqual([expect.objectContaining({ id: '21004', state: 'active', command: 'Query' })]);
  });

  it('CancelInstanceProcess with engine_type postgresql kills each named pid still of the named user, and counts them', async () => {
    await register('root', 'Root#2026');
    const res = await kill({ engine_type: 'postgresql', processes: [{ id: 21001, user: 'app' }, { id: 21004, user: 'report' }, { id: 21005, user: 'app' }, { id: 99999, user: 'app' }, { id: 21007, user: 'rdsAdmin' }] });
    // 21005 is report's, not app's: spared; 99999 does not exist; rdsAdmin is internal.
    expect(res).toEqual({ httpStatusCode: 200, count: 2 });
    expect(await api.sessionIds(PG_INSTANCE)).toEqual(ALL.filter((id) => id !== 21001 && id !== 21004));
  });

  it('a standard registered account kills only its own user\'s sessions', async () => {
    await register('app', 'App#2026');
    expect(await kill({ engine_type: 'PostgreSQL', processes: [{ id: 21002, user: 'app' }, { id: 21004, user: 'report' }] })).toEqual({ httpStatusCode: 200, count: 1 });
    expect(await api.sessionIds(PG_INSTANCE)).toEqual(ALL.filter((id) => id !== 21002));
  });

  it('engine_type mysql on the PostgreSQL instance (and postgresql on the MySQL one) is DAS.200100, killing nothing', async () => {
    await register('root', 'Root#2026');
    expect(await huaweiError(kill({ engine_type: 'mysql', processes: [{ id: 21001, user: 'app' }] }))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200100', errorMsg: 'The parameter is invalid.' });
    const entry = (await api.journal('?operation=CancelInstanceProcess')).entries.at(-1)!;
    expect(entry.detail).toMatch(/engine_type "mysql" does not match instance 8b9c.*which runs postgresql/);
    expect(await api.sessionIds(PG_INSTANCE)).toEqual(ALL);
  });

  it('DeleteAllSessions kills every user session and spares the internal accounts', async () => {
    expect(await client.send({ method: 'POST', url: KILL_ALL, pathParams: onPg })).toEqual({ httpStatusCode: 200, success: true });
    expect(await api.sessionIds(PG_INSTANCE)).toEqual([21007, 21008]);
    // The MySQL instance is untouched.
    expect(await api.sessionIds(INSTANCE)).toHaveLength(9);
  });

  it('DeleteProcess serves MySQL only: on the PostgreSQL instance it is DAS.200114 and kills nothing', async () => {
    const root = await register('root', 'Root#2026');
    const error = await huaweiError(client.send({ method: 'DELETE', url: PROCESS, pathParams: onPg, data: { db_user_id: root, process_ids: ['21001'] } }));
    expect(error).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200114', errorMsg: 'The instance_id parameter is invalid.' });
    const entry = (await api.journal('?operation=DeleteProcess')).entries.at(-1)!;
    expect(entry.detail).toMatch(/runs PostgreSQL, not MySQL/);
    expect(await api.sessionIds(PG_INSTANCE)).toEqual(ALL);
  });

  it('automatic kill tasks serve it too: while the switch is on, matching sessions (here: idle in a transaction) die', async () => {
    const auto = (url: string, method: 'PUT' | 'POST', data: unknown) => client.send({ method, url: `/v3/{project_id}/instances/{instance_id}/auto-flow/${url}`, pathParams: onPg, data });
    expect(await auto('add-kill-process-task', 'PUT', { time: 60, task_duration: 600, task_type: 'auto', user: 'app', command: 'Sleep' })).toEqual({ httpStatusCode: 200, success: true });
    expect(await auto('set-kill-process-task-switch', 'POST', { status: 'on' })).toEqual({ httpStatusCode: 200, success: true });
    const deadline = Date.now() + 5_000;
    let ids = await api.sessionIds(PG_INSTANCE);
    while (ids.length === ALL.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ids = await api.sessionIds(PG_INSTANCE);
    }
    // 21001 (idle 40 s) and 21002 (active) are too young or not Sleep; 21003 has slept 150 s.
    expect(ids).toEqual(ALL.filter((id) => id !== 21003));
  });

  it('hostile bodies and queries get a 400 in the DAS envelope, never a 5xx, and a refused kill ends nothing', async () => {
    // Unsigned requests: authentication off, so the hostile input reaches the operations.
    const open = await startTestEmulator({ auth: 'off' });
    const openApi = new ControlApi(open.url);
    const base = `${open.url}/v3/0a1b2c3d4e5f60718293a4b5c6d7e8f9/instances/${PG_INSTANCE}`;
    try {
      const registered = await fetch(`${base}/db-users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ db_username: 'root', db_user_password: 'Root#2026', datastore_type: 'postgresql' }) });
      const root = ((await registered.json()) as { db_user_id: string }).db_user_id;
      const process = fc.record({ id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.constantFrom(21001, 2 ** 53, -1, 0)), user: fc.oneof(fc.string(), fc.constant('app'), fc.integer()) }, { requiredKeys: [] });
      const body = fc.oneof(
        fc.record({ engine_type: fc.oneof(fc.constantFrom('postgresql', 'PostgreSQL', 'mysql', '', 'postgres'), fc.string(), fc.integer()), processes: fc.oneof(fc.array(process, { maxLength: 5 }), fc.anything()) }, { requiredKeys: [] }),
        fc.anything(),
      );
      await fc.assert(
        fc.asyncProperty(body, async (data) => {
          const before = await openApi.sessionIds(PG_INSTANCE);
          const res = await fetch(`${base}/kill-process`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(data) ?? 'undefined' });
          const answer = (await res.json()) as Record<string, unknown>;
          if (res.status === 200) {
            expect(answer).toEqual({ count: expect.any(Number) });
          } else {
            expect(res.status).toBe(400);
            expect(answer).toEqual({ error_code: expect.stringMatching(/^DAS\.2001\d\d$/), error_msg: expect.any(String) });
            expect(await openApi.sessionIds(PG_INSTANCE)).toEqual(before);
          }
        }),
        { numRuns: 150 },
      );
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom('user', 'database', 'offset', 'limit', 'node_id', 'db_user_id'), fc.string()), async (query) => {
          const params = new URLSearchParams({ db_user_id: root, ...query });
          const res = await fetch(`${base}/processes?${params}`);
          expect([200, 400]).toContain(res.status);
          const answer = (await res.json()) as Record<string, unknown>;
          if (res.status === 400) expect(Object.keys(answer).sort()).toEqual(['error_code', 'error_msg']);
          else expect(answer).toEqual({ processes: expect.any(Array), count: expect.any(Number) });
        }),
        { numRuns: 150 },
      );
    } finally {
      await open.stop();
    }
  });

  it('the control API edits its simulated sessions like any other', async () => {
    const added = await api.post<{ session: { id: number } }>(`/instances/${PG_INSTANCE}/sessions`, { user: 'app', host: '10.1.1.1:5000', db: 'orders', command: 'Sleep', state: 'idle in transaction (aborted)' });
    expect(added.status).toBe(201);
    const root = await register('root', 'Root#2026');
    expect(((await list(root, { user: 'app' })).processes as Array<{ id: string; state: string }>).find((p) => p.id === String(added.body.session.id))).toMatchObject({ state: 'idle in transaction (aborted)' });
  });
});

describe('a PostgreSQL instance bound to a server that does not answer', () => {
  let emulator: RunningEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator({ postgresUrl: 'postgresql://postgres:S3cret@127.0.0.1:1/postgres' });
  });
  afterEach(() => emulator.stop());

  it('RegisterDbUser and DeleteAllSessions answer 500 DAS.200001; health says unreachable, without the password', async () => {
    const client = huaweiClient(emulator.url);
    const register = client.send({ method: 'POST', url: DB_USERS, pathParams: onPg, data: { db_username: 'root', db_user_password: 'Root#2026', datastore_type: 'PostgreSQL' } });
    expect(await huaweiError(register)).toMatchObject({ httpStatusCode: 500, errorCode: 'DAS.200001', errorMsg: 'Internal service error.' });
    expect(await huaweiError(client.send({ method: 'POST', url: KILL_ALL, pathParams: onPg }))).toMatchObject({ httpStatusCode: 500, errorCode: 'DAS.200001' });
    const res = await fetch(`${emulator.url}/_emulator/health`);
    const body = (await res.json()) as { backends: Array<Record<string, unknown>> };
    expect(res.status).toBe(503);
    expect(body.backends[1]).toMatchObject({ backend: 'postgres', server: 'postgresql://postgres@127.0.0.1:1/postgres', state: 'unreachable', instances: [PG_INSTANCE] });
    expect(JSON.stringify(body)).not.toContain('S3cret');
    // The MySQL instance stays simulated.
    expect((await client.send({ method: 'POST', url: KILL_ALL })).success).toBe(true);
  });
});
