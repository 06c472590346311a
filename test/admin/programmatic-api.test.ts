import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/index.js';
import { callError, dasClient } from '../alibaba/clients.js';
import { DB_USERS, huaweiClient, PROCESS, registerDbUser } from '../huawei/client.js';
import { alibabaKill, alibabaSessionIds, ControlApi, expectControlError, RDS } from './control.js';

/** The error code of a TCP connection attempt to a local port, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('startEmulator() from src/index.ts', () => {
  it('with `await using`, serves the clients inside the block and stops at its end: the port then refuses connections', async () => {
    let port: number;
    {
      await using emulator = await startEmulator();
      port = emulator.port;
      expect(await tryConnect(port)).toBe('connected');
      const alibaba = dasClient('openapi-v3', emulator.alibaba.popCoreEndpoint, emulator.alibaba);
      expect(await alibabaSessionIds(alibaba, RDS)).toContain(101);
      const huawei = huaweiClient(emulator.huawei.endpoint, emulator.huawei, emulator.huawei.projectId);
      expect((await huawei.send({ method: 'GET', url: DB_USERS })).httpStatusCode).toBe(200);
    }
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });

  it('reset() restores a killed session and forgets tasks and registered DB users', async () => {
    await using emulator = await startEmulator();
    const alibaba = dasClient('openapi-v3', emulator.alibaba.popCoreEndpoint, emulator.alibaba);
    const huawei = huaweiClient(emulator.huawei.endpoint, emulator.huawei, emulator.huawei.projectId);
    const taskId = await alibabaKill(alibaba, RDS, [101]);
    const dbUserId = await registerDbUser(huawei, 'app', 'App#2026');
    await huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: dbUserId, process_ids: ['1001'] } });
    const api = new ControlApi(emulator.url);
    expect(await alibabaSessionIds(alibaba, RDS)).not.toContain(101);
    expect(await api.sessionIds('6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01')).not.toContain(1001);

    emulator.reset();

    expect(await alibabaSessionIds(alibaba, RDS)).toEqual([101, 102, 103, 104, 105, 106, 107, 108]);
    expect(await api.sessionIds('6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01')).toContain(1001);
    expect((await callError(alibaba.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: taskId }))).code).toBe('InvalidParams');
    expect(await huawei.send({ method: 'GET', url: DB_USERS })).toMatchObject({ httpStatusCode: 200, total: 0, db_users: [] });
  });

  it('passes its options on: an admin token guards the control API', async () => {
    await using emulator = await startEmulator({ adminToken: 'from-the-api' });
    expectControlError(await new ControlApi(emulator.url).get('/health'), 401, 'unauthorized');
    expect((await new ControlApi(emulator.url, 'from-the-api').get('/health')).status).toBe(200);
  });
});
