import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';

interface Health {
  status: string;
  ready: boolean;
  backends: { backend: string; server?: string; instances?: string[]; state: string; reason?: string; checkedAt?: string }[];
}

describe('GET /_emulator/health with real servers bound', () => {
  let emulator: RunningEmulator | undefined;
  let silent: Server | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
    silent?.close();
    silent = undefined;
  });
  const health = async () => {
    const res = await fetch(`${emulator!.url}/_emulator/health`);
    return { status: res.status, body: (await res.json()) as Health };
  };

  it('a server nobody listens on: 503, not ready, the server unreachable with the reason', async () => {
    // Port 1 on loopback: refused at once.
    emulator = await startTestEmulator({ mysqlUrl: 'mysql://root:S3cret@127.0.0.1:1' });
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.status).toBe('unavailable');
    expect(body.ready).toBe(false);
    expect(body.backends[0]).toEqual({ backend: 'simulated', state: 'ready' });
    expect(body.backends[1]).toMatchObject({ backend: 'mysql', server: 'mysql://root@127.0.0.1:1', state: 'unreachable', reason: expect.stringContaining('ECONNREFUSED') });
    expect(body.backends[1]!.instances).toEqual(expect.arrayContaining(['rm-emulator0001']));
    expect(JSON.stringify(body)).not.toContain('S3cret');
  });

  it('a server that accepts the connection but never answers: health still answers within its deadline', async () => {
    silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent!.once('listening', resolve));
    const port = (silent.address() as { port: number }).port;
    emulator = await startTestEmulator({ mysqlUrl: `mysql://root@127.0.0.1:${port}`, mysqlConnectTimeoutMs: 30_000 });
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.backends[1]).toMatchObject({ state: 'unreachable', reason: 'no answer within 1000 ms (still trying)' });
  });

  it('only the simulation: ready, 200', async () => {
    emulator = await startTestEmulator();
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', ready: true, backends: [{ backend: 'simulated', state: 'ready' }] });
  });
});
