import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/index.js';
import { dasClient } from '../alibaba/clients.js';
import { huaweiClient, QUOTAS } from '../huawei/client.js';

describe('startEmulator()', () => {
  it('starts on a free port with an in-memory store, and hands out endpoints the clients accept', async () => {
    const emulator = await startEmulator();
    try {
      expect(emulator.port).toBeGreaterThan(0);
      expect(emulator.alibaba.endpoint).toBe(`127.0.0.1:${emulator.port}`);
      const alibaba = dasClient('openapi-v3', emulator.alibaba.popCoreEndpoint, emulator.alibaba);
      expect((await alibaba.call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001' })).Success).toBe(true);
      const huawei = huaweiClient(emulator.huawei.endpoint, emulator.huawei, emulator.huawei.projectId);
      expect((await huawei.send({ method: 'GET', url: QUOTAS })).httpStatusCode).toBe(200);
    } finally {
      await emulator.stop();
    }
  });

  it('is async-disposable and refuses invalid options by name', async () => {
    const emulator = await startEmulator();
    await emulator[Symbol.asyncDispose]();
    await expect(fetch(`${emulator.url}/_emulator/health`)).rejects.toThrow();
    await expect(startEmulator({ auth: 'sometimes' as never })).rejects.toThrow(/auth/);
  });
});
