/** Huawei's DB-user registry, session listing and kill against a real server, through the SDK core. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { DB_USERS, huaweiClient, huaweiError, PROCESS, PROCESSES, registerDbUser, type DasCoreClient } from '../huawei/client.js';
import { ServerScope, TEST_MYSQL_URL, type DbUser, type Victim } from './server.js';

export function huaweiKillSuite(): void {
  let scope: ServerScope;
  let emulator: RunningEmulator;
  let client: DasCoreClient;
  let cleanup: () => void;
  let killer: DbUser;
  let app: DbUser;
  let app2: DbUser;
  let rdsadmin: DbUser;
  let shop: string;
  let crm: string;
  let killerId: string;

  beforeAll(async () => {
    scope = await ServerScope.open();
    shop = await scope.createDatabase('shop');
    crm = await scope.createDatabase('crm');
    killer = await scope.createUser('killer', 'kill-any');
    app = await scope.createUser('app', 'standard', [shop, crm]);
    app2 = await scope.createUser('app2', 'standard', [shop, crm]);
    rdsadmin = await scope.createUser('rdsadmin', 'standard');
    const fixtures = defaultFixtures();
    // Huawei protects its accounts whatever their case: the fixture spells this one in capitals.
    fixtures.huawei.internalAccounts.push(rdsadmin.user.toUpperCase());
    const file = writeFixtures(fixtures);
    cleanup = file.cleanup;
    emulator = await startTestEmulator({ fixtures: file.path, mysqlUrl: TEST_MYSQL_URL });
    client = huaweiClient(emulator.url);
    killerId = await registerDbUser(client, killer.user, killer.password);
  });
  afterAll(async () => {
    await emulator?.stop();
    cleanup?.();
    await scope?.dispose();
  });

  const kill = (data: Record<string, unknown>, dbUserId = killerId) => client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: dbUserId, ...data } });
  const aliveOf = async (...victims: Victim[]) => Promise.all(victims.map((v) => scope.alive(v)));

  it('RegisterDbUser logs in to the server: a wrong password is 400 DAS.200051', async () => {
    expect(killerId).toMatch(/^[0-9a-f-]{36}$/);
    const error = await huaweiError(registerDbUser(client, app.user, 'not-the-password'));
    expect(error).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200051' });
    const list = await client.send({ method: 'GET', url: DB_USERS, queryParams: { offset: 0, limit: 100 } });
    expect((list.db_users as Array<{ db_username: string }>).map((u) => u.db_username)).not.toContain(app.user);
  });

  it('ListProcesses shows what the registered account sees on the server', async () => {
    const mine = await scope.sleeping(app, shop);
    const theirs = await scope.idle(app2, crm);
    const appId = await registerDbUser(client, app.user, app.password);
    const asApp = await client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: appId, limit: 100 } });
    // Without PROCESS, MySQL shows an account only its own user's threads.
    const appRows = asApp.processes as Array<Record<string, string>>;
    expect(appRows.map((p) => p.user).every((u) => u === app.user)).toBe(true);
    expect(appRows.find((p) => p.id === mine.id.toString())).toMatchObject({ user: app.user, database: shop, command: 'Query', sql: 'SELECT SLEEP(60)' });
    const asKiller = await client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: killerId, user: app2.user, limit: 100 } });
    expect(asKiller.processes).toEqual([expect.objectContaining({ id: theirs.id.toString(), user: app2.user, database: crm, command: 'Sleep' })]);
    expect(asKiller.count).toBe(1);
  });

  it('DeleteProcess by process_ids answers once the sessions are gone', async () => {
    const idle = await scope.idle(app, shop);
    const sleeping = await scope.sleeping(app2, crm);
    const inTrx = await scope.inTransaction(app, shop);
    const canary = await scope.idle(app, shop);
    const res = await kill({ process_ids: [idle.id, sleeping.id, inTrx.id].map(String) });
    expect(res.httpStatusCode).toBe(200);
    expect(await aliveOf(idle, sleeping, inTrx, canary)).toEqual([false, false, false, true]);
  });

  it('CancelInstanceProcess kills with the oldest registered account, each id only while it belongs to the named user', async () => {
    const idle = await scope.idle(app, shop);
    const sleeping = await scope.sleeping(app2, crm);
    const canary = await scope.idle(app, shop);
    const res = await client.send({ method: 'POST', url: '/v3/{project_id}/instances/{instance_id}/kill-process', data: { engine_type: 'mysql', processes: [{ id: Number(idle.id), user: app.user }, { id: Number(sleeping.id), user: app.user }] } });
    expect(res).toEqual({ httpStatusCode: 200, count: 1 });
    expect(await aliveOf(idle, sleeping, canary)).toEqual([false, true, true]);
  });

  it('an automatic kill task kills matching sessions on the server as they appear, while its switch is on', async () => {
    const before = await scope.idle(app2, crm);
    const canary = await scope.idle(app, crm);
    await client.send({ method: 'PUT', url: '/v3/{project_id}/instances/{instance_id}/auto-flow/add-kill-process-task', data: { time: 0, task_duration: 60, task_type: 'auto', user: app2.user } });
    await client.send({ method: 'POST', url: '/v3/{project_id}/instances/{instance_id}/auto-flow/set-kill-process-task-switch', data: { status: 'on' } });
    try {
      const later = await scope.idle(app2, shop);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await aliveOf(before, later)).some(Boolean)) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await aliveOf(before, later, canary)).toEqual([false, false, true]);
    } finally {
      await client.send({ method: 'POST', url: '/v3/{project_id}/instances/{instance_id}/auto-flow/set-kill-process-task-switch', data: { status: 'off' } });
    }
  });

  it('a standard account kills only its own sessions', async () => {
    const own = await scope.idle(app);
    const other = await scope.idle(app2);
    const appId = await registerDbUser(client, app.user, app.password);
    const res = await kill({ process_ids: [own.id, other.id].map(String) }, appId);
    expect(res.httpStatusCode).toBe(200);
    expect(await aliveOf(own, other)).toEqual([false, true]);
  });

  it('filters by user, by database, and by both (AND)', async () => {
    const appShop = await scope.idle(app, shop);
    const appCrm = await scope.idle(app, crm);
    const app2Shop = await scope.idle(app2, shop);
    const app2Crm = await scope.sleeping(app2, crm);
    await kill({ user: app.user });
    expect(await aliveOf(appShop, appCrm, app2Shop, app2Crm)).toEqual([false, false, true, true]);
    const appShop2 = await scope.idle(app, shop);
    await kill({ database: crm });
    expect(await aliveOf(appShop2, app2Shop, app2Crm)).toEqual([true, true, false]);
    const app2Crm2 = await scope.idle(app2, crm);
    await kill({ user: app2.user, database: shop });
    expect(await aliveOf(appShop2, app2Shop, app2Crm2)).toEqual([true, false, true]);
  });

  it('protects an internal account whatever the case of its name', async () => {
    const internal = await scope.idle(rdsadmin);
    const res = await kill({ user: rdsadmin.user, process_ids: [internal.id.toString()] });
    expect(res.httpStatusCode).toBe(200);
    expect(await scope.alive(internal)).toBe(true);
  });

  it('filters full of quotes, wildcards, backslashes and comments kill nothing that does not match exactly', async () => {
    const canaries = [await scope.idle(app, shop), await scope.sleeping(app, shop), await scope.idle(app2, crm)];
    const users = [
      `${app.user}' OR '1'='1`,
      `' OR 1=1 -- `,
      `${app.user}%`,
      '%',
      '_',
      `${scope.prefix}_ap_`,
      `${app.user.toUpperCase()}`,
      `${app.user} `,
      `${app.user}\\`,
      `\\' OR 1=1 #`,
      `${app.user}/* */`,
      `*/ OR /*`,
      `${app.user}'; KILL ${canaries[0]!.id}; -- `,
    ];
    const databases = [`${shop}' OR '1'='1`, '%', `${shop.slice(0, -1)}_`, `${shop}#`, shop.toUpperCase(), `${shop}\\`, `") OR ("1"="1`];
    for (const user of users) expect((await kill({ user })).httpStatusCode).toBe(200);
    for (const database of databases) expect((await kill({ database })).httpStatusCode).toBe(200);
    for (const user of users) expect((await kill({ user, database: shop })).httpStatusCode).toBe(200);
    expect(await aliveOf(...canaries)).toEqual([true, true, true]);
    // The same filter spelled exactly does kill: the canaries were killable all along.
    await kill({ user: app2.user, database: crm });
    expect(await aliveOf(...canaries)).toEqual([true, true, false]);
  });
}

/** A bound server that stops answering: the registry and the kill are internal faults (500). */
export function huaweiUnreachableSuite(): void {
  let scope: ServerScope;
  let dir: string;

  beforeAll(async () => {
    scope = await ServerScope.open();
    dir = mkdtempSync(join(tmpdir(), 'das-unreachable-'));
  });
  afterAll(async () => {
    await scope?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 500 with a DAS body when the server is refused, and kills nothing', async () => {
    const data = join(dir, 'emulator.db');
    const killer = await scope.createUser('killer', 'kill-any');
    const victim = await scope.idle(killer);
    let emulator = await startTestEmulator({ data, mysqlUrl: TEST_MYSQL_URL });
    const id = await registerDbUser(huaweiClient(emulator.url), killer.user, killer.password);
    await emulator.stop();

    emulator = await startTestEmulator({ data, mysqlUrl: 'mysql://root@127.0.0.1:1' });
    try {
      const client = huaweiClient(emulator.url);
      const killError = await huaweiError(client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: id, process_ids: [victim.id.toString()] } }));
      expect(killError).toMatchObject({ httpStatusCode: 500, errorCode: 'DAS.200001' });
      const listError = await huaweiError(client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: id } }));
      expect(listError).toMatchObject({ httpStatusCode: 500, errorCode: 'DAS.200001' });
      const registerError = await huaweiError(registerDbUser(client, killer.user, killer.password));
      expect(registerError).toMatchObject({ httpStatusCode: 500, errorCode: 'DAS.200001' });
      expect(await scope.alive(victim)).toBe(true);
    } finally {
      await emulator.stop();
    }
  });
}
