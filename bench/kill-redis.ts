/**
 * Kill throughput on a real Redis server: N idle clients killed by one Alibaba
 * KillInstanceAllSession call through the emulator, against N killed by a plain serial
 * `CLIENT KILL ID` loop, in the same process and run. Part of `npm run bench:kill`; settings:
 * BENCH_SESSIONS, BENCH_RUNS, DAS_EMULATOR_TEST_REDIS_URL. The emulator kills every unprotected
 * client of the server: point it at a Redis of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createClient, type RedisClientType } from '@redis/client';
import { parseRedisUrl } from '../src/backends/redis-url.js';
import { parseClientList } from '../src/backends/redis-client-list.js';
import { DEFAULT_FIXTURES } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/index.js';
import { dasClient } from '../test/alibaba/clients.js';
import { alternatingRuns, RUNS, runKillBench, SESSIONS } from './suite/kill-runs.js';
import { median } from './suite/stats.js';

const REDIS_URL = process.env.DAS_EMULATOR_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const INSTANCE = 'r-emulator0001';
const TARGET_RATIO = 0.8;

const server = parseRedisUrl(REDIS_URL);
type Client = RedisClientType;
/** The bench's own connections log in as this ACL user, which the fixtures call internal: the kill spares them. */
const internal = { username: `dasb-${randomBytes(4).toString('hex')}`, password: `Pw-${randomBytes(8).toString('hex')}` };

async function connect(account?: { username: string; password: string }): Promise<Client> {
  const client = createClient({ socket: { host: server.host, port: server.port, connectTimeout: 10_000, reconnectStrategy: false }, ...(account ?? (server.password !== undefined ? { username: server.username, password: server.password } : {})) }) as unknown as Client;
  client.on('error', () => {});
  await client.connect();
  return client;
}

const victims: Client[] = [];
let admin: Client | undefined;
let emulator: Emulator | undefined;

/** Opens n idle clients, 50 at a time; returns their ids. */
async function openVictims(n: number): Promise<Set<bigint>> {
  for (let i = 0; i < n; i += 50) victims.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect()))));
  const ids = new Set<bigint>();
  for (const c of parseClientList(String(await admin!.sendCommand(['CLIENT', 'LIST'])))) if (c.user !== internal.username) ids.add(c.id);
  return ids;
}

async function listed(via: Client, ids: ReadonlySet<bigint>): Promise<number> {
  return parseClientList(String(await via.sendCommand(['CLIENT', 'LIST']))).filter((c) => ids.has(c.id)).length;
}

async function confirmKilled(ids: ReadonlySet<bigint>, how: string): Promise<void> {
  const left = await listed(admin!, ids);
  if (left > 0) throw new Error(`${how}: ${left} of ${ids.size} clients are still alive`);
  for (const v of victims.splice(0)) v.destroy();
}

async function killWithCall(call: () => Promise<Record<string, unknown>>, ids: ReadonlySet<bigint>): Promise<number> {
  const start = performance.now();
  const body = await call();
  const ms = performance.now() - start;
  if (body.Success !== 'true') throw new Error(`KillInstanceAllSession answered ${JSON.stringify(body).slice(0, 300)}`);
  await confirmKilled(ids, 'KillInstanceAllSession');
  return ms;
}

async function killWithLoop(connection: Client, ids: ReadonlySet<bigint>): Promise<number> {
  const start = performance.now();
  for (const id of ids) await connection.sendCommand(['CLIENT', 'KILL', 'ID', id.toString()]);
  while ((await listed(connection, ids)) > 0);
  const ms = performance.now() - start;
  await confirmKilled(ids, 'CLIENT KILL loop');
  return ms;
}

const perSecond = (ms: number): number => (SESSIONS * 1000) / ms;
const fixed = (value: number, digits = 1): string => value.toFixed(digits);

async function cleanup(): Promise<void> {
  for (const v of victims.splice(0)) v.destroy();
  await emulator?.stop().catch((error: unknown) => console.error('stopping the emulator failed:', error));
  if (!admin) return;
  await admin.sendCommand(['ACL', 'DELUSER', internal.username]).catch(() => {});
  admin.destroy();
}

async function main(): Promise<void> {
  const setup = await connect();
  await setup.sendCommand(['ACL', 'SETUSER', internal.username, 'on', `>${internal.password}`, '~*', '&*', '+@all']);
  const version = /redis_version:(\S+)/.exec(String(await setup.sendCommand(['INFO', 'server'])))?.[1] ?? 'unknown';
  setup.destroy();
  admin = await connect(internal);
  const loopConnection = await connect(internal);

  const fixtures = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'));
  fixtures.$schema = undefined;
  fixtures.alibaba.internalAccounts = [...fixtures.alibaba.internalAccounts, internal.username];
  const file = join(mkdtempSync(join(os.tmpdir(), 'das-bench-redis-')), 'fixtures.json');
  writeFileSync(file, JSON.stringify(fixtures));
  emulator = await startEmulator({ fixtures: file, redisUrl: REDIS_URL, logLevel: 'warn' });
  const client = dasClient('openapi-v3', emulator.url);
  const call = () => client.call('KillInstanceAllSession', { InstanceId: INSTANCE });

  const cpus = os.cpus();
  console.log(`\nRedis kill benchmark: ${SESSIONS} clients x ${RUNS} runs, one KillInstanceAllSession call vs a CLIENT KILL ID loop`);
  console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}, Redis ${version}\n`);
  await killWithCall(call, await openVictims(SESSIONS));
  await killWithLoop(loopConnection, await openVictims(SESSIONS));

  const { callRates, loopRates, ratio } = await alternatingRuns({
    runs: RUNS,
    sessions: SESSIONS,
    byCall: async () => killWithCall(call, await openVictims(SESSIONS)),
    byLoop: async () => ({ ms: await killWithLoop(loopConnection, await openVictims(SESSIONS)) }),
    report: ({ run, callFirst, callMs: t, loop: { ms: l } }) =>
      console.log(`run ${run} (${callFirst ? 'emulator' : 'CLIENT KILL loop'} first): emulator ${fixed(t)} ms = ${fixed(perSecond(t), 0)} clients/s; CLIENT KILL loop ${fixed(l)} ms = ${fixed(perSecond(l), 0)} clients/s; ratio ${fixed(l / t, 2)}x`),
  });
  console.log(`\nmedians over ${RUNS} runs`);
  console.log(`  KillInstanceAllSession  ${fixed(median(callRates), 0)} clients/s`);
  console.log(`  plain CLIENT KILL loop  ${fixed(median(loopRates), 0)} clients/s`);
  console.log(`  ratio (per run)         ${fixed(ratio, 2)}x (target >= ${TARGET_RATIO}x)  ${ratio >= TARGET_RATIO ? 'PASS' : 'MISS'}`);
  loopConnection.destroy();
}

await runKillBench(main, cleanup);
