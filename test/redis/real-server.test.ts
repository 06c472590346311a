/**
 * Everything that needs a real Redis server, in one file so that no two of these tests (each kills
 * every client it is allowed to) ever run at the same time. A kill here ends every unprotected
 * client of the test server, as KillInstanceAllSession does on the cloud.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FIXTURES } from '../../src/config.js';
import type { RunningEmulator } from '../../src/emulator.js';
import { EMULATOR_CLIENT_NAME } from '../../src/backends/redis.js';
import { ControlApi } from '../admin/control.js';
import { dasClient, runtimeOf, type ClientKind } from '../alibaba/clients.js';
import { expectCloudError } from '../alibaba/cloud-error.js';
import { startTestEmulator } from '../support/emulator.js';
import { REQUIRE_REDIS, RedisScope, TEST_REDIS_URL, unavailableReason, type Victim } from './server.js';

const reason = await unavailableReason();
if (reason && !REQUIRE_REDIS) console.warn(`[das-emulator tests] SKIPPING real Redis tests: ${reason}`);

const REDIS = 'r-emulator0001';
/** One client of each runtime: openapi-core (das20200116 3.x), openapi-client (2.x) and pop-core. */
const RUNTIME_KINDS: readonly ClientKind[] = ['openapi-core-v3', 'openapi-v1', 'popcore-post'];

/** The default fixtures with the scope's ACL user among Alibaba's internal accounts. */
function fixturesFor(scope: RedisScope): string {
  const document = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'));
  document.$schema = undefined;
  document.alibaba.internalAccounts = [...(document.alibaba.internalAccounts ?? ['aliyun_root']), scope.internalUser];
  const file = join(mkdtempSync(join(tmpdir(), 'das-redis-real-')), 'fixtures.json');
  writeFileSync(file, JSON.stringify(document));
  return file;
}

describe('the test Redis server', () => {
  it.runIf(REQUIRE_REDIS)('answers, as REQUIRE_REDIS=1 demands', () => {
    expect(reason).toBeUndefined();
  });
});

describe.skipIf(reason !== undefined)('real CLIENT KILLs through the Alibaba clients', () => {
  let scope: RedisScope;
  let emulator: RunningEmulator;
  beforeAll(async () => {
    scope = await RedisScope.open();
    // --redis-url binds every Redis instance of the fixtures.
    emulator = await startTestEmulator({ fixtures: fixturesFor(scope), redisUrl: TEST_REDIS_URL });
  });
  afterAll(async () => {
    await emulator?.stop();
    await scope?.dispose();
  });

  describe.each(RUNTIME_KINDS)('through %s', (kind) => {
    let victims: { idle: Victim[]; blocked: Victim; subscribed: Victim; multi: Victim; internal: Victim };
    beforeEach(async () => {
      victims = { idle: [await scope.idle(), await scope.idle(), await scope.idle()], blocked: await scope.blocked(), subscribed: await scope.subscribed(), multi: await scope.inMulti(), internal: await scope.internal() };
    });

    it('GetRedisAllSession lists the live clients as CLIENT LIST shows them, never the emulator itself', async () => {
      const client = dasClient(kind, emulator.url);
      const body = await client.call('GetRedisAllSession', { InstanceId: REDIS });
      expect(body).toMatchObject({ Code: 200, Message: 'Successful', Success: true });
      const sessions = body.Data.Sessions as Array<Record<string, any>>;
      const byName = (v: Victim) => sessions.find((s) => s.Name === v.name);
      expect(byName(victims.blocked)).toMatchObject({ Id: Number(victims.blocked.id), Flags: 'b', Cmd: 'blpop', Client: '127.0.0.1', Addr: expect.stringMatching(/^127\.0\.0\.1:\d+$/), Age: expect.stringMatching(/^\d+$/), Db: 0, Multi: -1, NodeId: `${REDIS}-db-0` });
      expect(byName(victims.subscribed)).toMatchObject({ Flags: 'P', Sub: 1, Cmd: 'subscribe' });
      expect(byName(victims.multi)).toMatchObject({ Flags: 'x', Multi: 1 });
      for (const v of victims.idle) expect(byName(v)).toMatchObject({ Id: Number(v.id), Flags: 'N' });
      expect(sessions.some((s) => s.Name === EMULATOR_CLIENT_NAME)).toBe(false);
      expect(body.Data.Total).toBe(sessions.length);
      const local = (body.Data.SourceStats as Array<{ Key: string; Count: string; Ids: number[] }>).find((s) => s.Key === '127.0.0.1');
      expect(local?.Ids).toEqual(expect.arrayContaining([...victims.idle, victims.blocked].map((v) => Number(v.id))));
    });

    it(`KillInstanceAllSession ends every client but the internal account's, the blocked BLPOP included (${runtimeOf(kind)})`, async () => {
      const client = dasClient(kind, emulator.url);
      const body = await client.call('KillInstanceAllSession', { InstanceId: REDIS });
      expect(body).toEqual({ RequestId: expect.stringMatching(/^[0-9A-F-]{36}$/), Code: '200', Message: 'Successful', Success: 'true', Data: 'None' });
      // The call answers once the kill is done: nothing to wait for.
      for (const v of [...victims.idle, victims.blocked, victims.subscribed, victims.multi]) expect(await scope.alive(v), v.name).toBe(false);
      expect(await scope.alive(victims.internal)).toBe(true);
      expect(await victims.internal.client.ping()).toBe('PONG');
      // The blocked client's BLPOP ends with its connection.
      expect(await victims.blocked.pending).toBeInstanceOf(Error);
      // The emulator's own connection is closed, not left behind.
      expect((await scope.clients()).some((c) => c.name === EMULATOR_CLIENT_NAME)).toBe(false);
      // The task records each outcome.
      const [task] = await new ControlApi(emulator.url).tasks(`?instanceId=${REDIS}&limit=1`);
      const outcome = (v: Victim) => task!.results.find((r) => r.sessionId === Number(v.id))?.outcome;
      expect(task).toMatchObject({ state: 'success', dbUser: 'default' });
      expect(outcome(victims.blocked)).toBe('killed');
      expect(outcome(victims.idle[0]!)).toBe('killed');
      expect(outcome(victims.internal)).toBe('internal');
    });
  });

  it('a hostile InstanceId reaches no Redis command: InvalidParams, and every client lives', async () => {
    const canary = await scope.idle();
    const client = dasClient('openapi-core-v3', emulator.url);
    for (const InstanceId of [`${REDIS} ID 0`, '0\r\nFLUSHALL', `${REDIS}\nCLIENT KILL TYPE normal`]) {
      await expectCloudError(client, client.call('KillInstanceAllSession', { InstanceId }), 'InvalidParams', 400, 'The request parameters are invalid.');
    }
    expect(await scope.alive(canary)).toBe(true);
  });

  it('an instance created at run time with its own "redis" binding kills there too', async () => {
    const victim = await scope.idle();
    const mine = emulator.createInstance({ from: 'r-emulator0001', redis: TEST_REDIS_URL });
    try {
      await dasClient('popcore-get', emulator.url).call('KillInstanceAllSession', { InstanceId: mine.id });
      expect(await scope.alive(victim)).toBe(false);
    } finally {
      emulator.deleteInstance(mine.id);
    }
  });
});

describe.skipIf(reason !== undefined)('Alibaba Redis operations against a server that does not answer or refuses the login', () => {
  let emulator: RunningEmulator;
  let scope: RedisScope | undefined;
  afterEach(async () => {
    await emulator?.stop();
    await scope?.dispose();
    scope = undefined;
  });

  it.each(RUNTIME_KINDS)('answers ServiceUnavailable 503 through %s when nothing listens', async (kind) => {
    emulator = await startTestEmulator({ redisUrl: 'redis://127.0.0.1:1', mysqlConnectTimeoutMs: 1000 });
    const client = dasClient(kind, emulator.url);
    const message = 'The request has failed due to a temporary failure of the server.';
    await expectCloudError(client, client.call('GetRedisAllSession', { InstanceId: REDIS }), 'ServiceUnavailable', 503, message);
    await expectCloudError(client, client.call('KillInstanceAllSession', { InstanceId: REDIS }), 'ServiceUnavailable', 503, message);
  });

  it('answers ServiceUnavailable 503 when the bound account is refused, and kills nothing', async () => {
    const mine = (scope = await RedisScope.open());
    const victim = await mine.idle();
    const url = new URL(TEST_REDIS_URL);
    emulator = await startTestEmulator({ redisUrl: `redis://${encodeURIComponent(mine.internalUser)}:wrong-password@${url.host}` });
    const client = dasClient('openapi-v3', emulator.url);
    const error = await expectCloudError(client, client.call('KillInstanceAllSession', { InstanceId: REDIS }), 'ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.');
    const detail = (await new ControlApi(emulator.url).get<{ entry: { detail: string } }>(`/requests/${error.data.RequestId}`)).body;
    expect(JSON.stringify(detail)).toMatch(/WRONGPASS/);
    expect(JSON.stringify(detail)).not.toContain('wrong-password');
    expect(await mine.alive(victim)).toBe(true);
  });
});

describe.skipIf(reason !== undefined)('health with a Redis server bound', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });
  const health = async () => {
    const res = await fetch(`${emulator!.url}/_emulator/health`);
    return { status: res.status, body: (await res.json()) as { ready: boolean; backends: Record<string, unknown>[] } };
  };

  it('a bound Redis server that answers: ready, with the server and its instances', async () => {
    emulator = await startTestEmulator({ redisUrl: TEST_REDIS_URL });
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    const url = new URL(TEST_REDIS_URL);
    expect(body.backends).toEqual([{ backend: 'simulated', state: 'ready' }, { backend: 'redis', server: `redis://${url.hostname}:${url.port || 6379}`, instances: [REDIS], state: 'ready', checkedAt: expect.any(String) }]);
  });

  it('a Redis server that does not answer: 503, unreachable', async () => {
    emulator = await startTestEmulator({ redisUrl: 'redis://127.0.0.1:1' });
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.ready).toBe(false);
    expect(body.backends[1]).toMatchObject({ backend: 'redis', server: 'redis://127.0.0.1:1', state: 'unreachable', reason: expect.stringMatching(/did not answer/) });
  });

  it('an ACL password the server refuses: 503, refused, never the password', async () => {
    const url = new URL(TEST_REDIS_URL);
    emulator = await startTestEmulator({ redisUrl: `redis://das-emulator-nobody:Wrong-Secret42@${url.host}` });
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.backends[1]).toMatchObject({ backend: 'redis', state: 'refused', reason: expect.stringMatching(/WRONGPASS/) });
    expect(JSON.stringify(body)).not.toContain('Wrong-Secret42');
  });
});
