import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { DB_USER, DB_USERS, huaweiClient, PROCESS, PROCESSES, QUOTAS, registerDbUser, type DasCoreClient } from './client.js';

describe('Huawei DAS operations through @huaweicloud/huaweicloud-sdk-core', () => {
  let emulator: RunningEmulator;
  let client: DasCoreClient;
  beforeEach(async () => {
    emulator = await startTestEmulator();
    client = huaweiClient(emulator.url);
  });
  afterEach(() => emulator.stop());

  const ids = async (dbUserId: string, query: Record<string, string | number> = {}) =>
    ((await client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: dbUserId, ...query } })).processes as Array<{ id: string }>).map((p) => p.id);

  it('registers a DB user and lists what a privileged account sees, all fields strings', async () => {
    const id = await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const res = await client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: id } });
    expect(res.httpStatusCode).toBe(200);
    expect(res.count).toBe(9);
    expect(res.processes).toHaveLength(9);
    expect(res.processes[1]).toEqual({ id: '1002', user: 'app', host: '192.168.0.21:51046', database: 'orders', command: 'Query', time: expect.stringMatching(/^\d+$/), state: 'Sending data', sql: expect.stringContaining('PENDING'), trx_executed_time: '0' });
    expect(res.processes[8]).toMatchObject({ id: '1009', user: 'event_scheduler', database: '--', sql: '' });
  });

  it('shows a standard account only its own sessions, filtered and paginated', async () => {
    const id = await registerDbUser(client, 'app', 'App#2026');
    expect(await ids(id)).toEqual(['1001', '1002', '1003']);
    expect(await ids(id, { database: 'orders' })).toEqual(['1001', '1002']);
    const page = await client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: id, offset: 1, limit: 1 } });
    expect(page).toMatchObject({ count: 3, processes: [{ id: '1002' }] });
  });

  it('kills with AND-combined filters, sparing protected sessions and ignoring unknown ids', async () => {
    const admin = await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
    const res = await client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: admin, process_ids: ['1001', '1004', '1007', '1008', '999999'], user: 'app' } });
    expect(res).toEqual({ httpStatusCode: 200 });
    expect(await ids(admin)).toEqual(['1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009']);
    await client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: admin, database: 'orders' } });
    expect(await ids(admin)).toEqual(['1003', '1004', '1006', '1007', '1008', '1009']);
    await client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: admin, process_ids: ['1007', '1008', '1009', '1004'] } });
    expect(await ids(admin)).toEqual(['1003', '1006', '1007', '1008', '1009']);
  });

  it('lets a standard account kill only its own user sessions', async () => {
    const app = await registerDbUser(client, 'app', 'App#2026');
    await client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: app, process_ids: ['1001', '1004'] } });
    const admin = await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
    const left = await ids(admin);
    expect(left).not.toContain('1001');
    expect(left).toContain('1004');
  });

  it('manages the DB-user registry: list, show, update, delete, quotas', async () => {
    const app = await registerDbUser(client, 'app', 'App#2026');
    expect(await registerDbUser(client, 'app', 'App#2026')).toBe(app);
    const report = await registerDbUser(client, 'report', 'Report#2026');
    expect(await client.send({ method: 'GET', url: DB_USERS })).toMatchObject({ total: 2, db_users: [{ db_user_id: app, db_username: 'app' }, { db_user_id: report, db_username: 'report' }] });
    expect(await client.send({ method: 'GET', url: DB_USERS, queryParams: { db_username: 'report' } })).toMatchObject({ total: 1, db_users: [{ db_user_id: report }] });
    expect(await client.send({ method: 'GET', url: DB_USER, pathParams: { db_user_id: app } })).toMatchObject({ db_user: { db_user_id: app, db_username: 'app' } });
    expect(await client.send({ method: 'PUT', url: DB_USER, pathParams: { db_user_id: report }, data: { db_username: 'dbadmin', db_user_password: 'Dbadmin#2026' } })).toMatchObject({ result: 'OK' });
    expect(await client.send({ method: 'GET', url: DB_USER, pathParams: { db_user_id: report } })).toMatchObject({ db_user: { db_username: 'dbadmin' } });
    expect(await client.send({ method: 'GET', url: QUOTAS })).toMatchObject({ quotas: { resources: [{ type: 'cloudDba', used: 1, quota: 10, min: 0 }] } });
    expect(await client.send({ method: 'DELETE', url: DB_USER, pathParams: { db_user_id: app } })).toMatchObject({ result: 'OK' });
    expect(await client.send({ method: 'GET', url: DB_USERS })).toMatchObject({ total: 1 });
  });
});
