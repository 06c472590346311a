/** Health reports each real server's state: a bound server that refuses the account is not ready either. */
import { afterEach, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { TEST_MYSQL_URL } from './server.js';

export function healthSuite(): void {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });
  const health = async () => {
    const res = await fetch(`${emulator!.url}/_emulator/health`);
    return { status: res.status, body: (await res.json()) as { ready: boolean; status: string; backends: Record<string, unknown>[] } };
  };

  it('a bound server that answers: ready, with the server (no password) and its instances', async () => {
    emulator = await startTestEmulator({ mysqlUrl: TEST_MYSQL_URL });
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    const server = new URL(TEST_MYSQL_URL);
    expect(body.backends[1]).toMatchObject({ backend: 'mysql', server: `mysql://${server.username}@${server.hostname}:${server.port || 3306}`, state: 'ready' });
    expect(body.backends[1]!.instances).toContain('rm-emulator0001');
  });

  it('an account the server refuses: 503, state refused with the server\'s reason, never the password', async () => {
    const url = new URL(TEST_MYSQL_URL);
    url.username = 'das_emulator_nobody';
    url.password = 'Wrong#Secret42';
    emulator = await startTestEmulator({ mysqlUrl: url.toString().replace(/\/$/, '') });
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.backends[1]).toMatchObject({ backend: 'mysql', state: 'refused', reason: expect.stringMatching(/Access denied/) });
    expect(JSON.stringify(body)).not.toContain('Wrong#Secret42');
  });
}
