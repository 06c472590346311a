/**
 * Kill throughput on a real PostgreSQL server: N idle sessions killed by one Huawei
 * CancelInstanceProcess call through the emulator, against N killed by a plain serial
 * `SELECT pg_terminate_backend(pid)` loop, in the same process and run. Part of
 * `npm run bench:kill`; settings: BENCH_SESSIONS (at most 1,000, one call's limit), BENCH_RUNS,
 * BENCH_PG_BIN. It starts a PostgreSQL cluster of its own (see pg-cluster.ts) and removes it after;
 * when it cannot, it says why and skips.
 */
import os from 'node:os';
import pg from 'pg';
import { startEmulator, type Emulator } from '../src/index.js';
import { MAX_PROCESSES } from '../src/providers/huawei/operations/cancel-instance-process.js';
import { huaweiClient, type DasCoreClient } from '../test/huawei/client.js';
import { startPgCluster, type PgCluster } from './pg-cluster.js';
import { alternatingRuns, RUNS, runKillBench, SESSIONS } from './suite/kill-runs.js';
import { median } from './suite/stats.js';

const TARGET_RATIO = 0.8;
/** The default fixtures' RDS for PostgreSQL instance, which --postgres-url binds. */
const HUAWEI_PG_INSTANCE = '8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3ein03';
const KILL_PROCESS = '/v3/{project_id}/instances/{instance_id}/kill-process';
const DB_USERS = '/v3/{project_id}/instances/{instance_id}/db-users';
/** Victims log in as this role; the killer (emulator and loop alike) as a superuser. */
const VICTIM = 'dasb_victim';
const KILLER = { user: 'dasb_killer', password: 'Killer-bench-1' };

let cluster: PgCluster | undefined;
let admin: pg.Client | undefined;
let emulator: Emulator | undefined;
const victims = new Map<number, pg.Client>();

async function connect(user: string, password = ''): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: cluster!.port, database: 'postgres', user, password, connectionTimeoutMillis: 10_000, application_name: 'das-bench' });
  // A terminated session reports it as an event; without a listener it would crash the process.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Opens n idle victim sessions, 50 logins at a time (each is a fork on the server); returns their pids. */
async function openVictims(n: number): Promise<number[]> {
  const pids: number[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect(VICTIM)));
    for (const client of batch) {
      // pg keeps the pid from the server's BackendKeyData message: no round trip needed.
      const pid = (client as unknown as { processID: number }).processID;
      victims.set(pid, client);
      pids.push(pid);
    }
  }
  return pids;
}

async function countListed(via: pg.Client, pids: readonly number[]): Promise<number> {
  const { rows } = await via.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
  return Number(rows[0]?.n);
}

/** Both ways are done when the server no longer lists the sessions, and are checked the same way after. */
async function confirmKilled(pids: readonly number[], how: string): Promise<void> {
  const left = await countListed(admin!, pids);
  if (left > 0) throw new Error(`${how}: ${left} of ${pids.length} sessions are still alive`);
  for (const pid of pids) {
    victims.get(pid)?.end().catch(() => {});
    victims.delete(pid);
  }
}

/** One call; it answers once the backends are gone (the emulator polls pg_stat_activity), so nothing to poll here. */
async function killWithCall(client: DasCoreClient, pids: readonly number[]): Promise<number> {
  const start = performance.now();
  const answer = await client.send({ method: 'POST', url: KILL_PROCESS, pathParams: { instance_id: HUAWEI_PG_INSTANCE }, data: { engine_type: 'postgresql', processes: pids.map((id) => ({ id, user: VICTIM })) } });
  const ms = performance.now() - start;
  if (answer.count !== pids.length) throw new Error(`CancelInstanceProcess answered ${JSON.stringify(answer).slice(0, 300)}, expected count ${pids.length}`);
  await confirmKilled(pids, 'CancelInstanceProcess');
  return ms;
}

/** The loop's time in ms, and within it the time until the last pg_terminate_backend returned (the rest is waiting for backends to exit). */
interface LoopTiming { readonly ms: number; readonly signalledMs: number }

/** The reference: one pg_terminate_backend per round trip on a connection already open, then wait until they are gone. */
async function killWithLoop(connection: pg.Client, pids: readonly number[]): Promise<LoopTiming> {
  const start = performance.now();
  for (const pid of pids) await connection.query('SELECT pg_terminate_backend($1)', [pid]);
  const signalledMs = performance.now() - start;
  // No pause between checks: each is a round trip already.
  while ((await countListed(connection, pids)) > 0);
  const ms = performance.now() - start;
  await confirmKilled(pids, 'pg_terminate_backend loop');
  return { ms, signalledMs };
}

const perSecond = (ms: number): number => (SESSIONS * 1000) / ms;
const fixed = (value: number, digits = 1): string => value.toFixed(digits);

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    await Promise.all([...victims.values()].map((c) => c.end().catch(() => {})));
    await emulator?.stop().catch((error: unknown) => console.error('stopping the emulator failed:', error));
    await admin?.end().catch(() => {});
    cluster?.stop();
  })());
}

async function main(): Promise<void> {
  if (SESSIONS > MAX_PROCESSES) throw new Error(`BENCH_SESSIONS is ${SESSIONS}: one CancelInstanceProcess call names at most ${MAX_PROCESSES} processes`);
  try {
    // Victims, the loop's and the emulator's connections, and superuser_reserved_connections' 3.
    cluster = await startPgCluster(SESSIONS + 100);
  } catch (error) {
    console.log(`\nPostgreSQL kill benchmark SKIPPED: could not start a throwaway PostgreSQL cluster (${(error as Error).message})`);
    return;
  }
  admin = await connect('postgres');
  await admin.query(`CREATE ROLE ${VICTIM} LOGIN`);
  // A superuser may end any non-superuser's backend, as the instance's root account does on RDS.
  await admin.query(`CREATE ROLE ${KILLER.user} LOGIN SUPERUSER PASSWORD '${KILLER.password}'`);

  emulator = await startEmulator({ postgresUrl: cluster.url, killTimeoutMs: 30_000, logLevel: 'warn' });
  const client = huaweiClient(emulator.url);
  // CancelInstanceProcess kills with the DB account the project registered on the instance.
  await client.send({ method: 'POST', url: DB_USERS, pathParams: { instance_id: HUAWEI_PG_INSTANCE }, data: { db_username: KILLER.user, db_user_password: KILLER.password, datastore_type: 'PostgreSQL' } });
  const loopConnection = await connect(KILLER.user, KILLER.password);

  const cpus = os.cpus();
  console.log(`\nPostgreSQL kill benchmark: ${SESSIONS} sessions x ${RUNS} runs, one CancelInstanceProcess call vs a pg_terminate_backend loop`);
  console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}, PostgreSQL ${cluster.version} (throwaway cluster, max_connections ${SESSIONS + 100})\n`);
  // Warm-up at full size (not reported): the first HTTP call, JIT, the server's first logins.
  await killWithCall(client, await openVictims(SESSIONS));
  await killWithLoop(loopConnection, await openVictims(SESSIONS));

  const { callRates, loopRates, ratio } = await alternatingRuns({
    runs: RUNS,
    sessions: SESSIONS,
    byCall: async () => killWithCall(client, await openVictims(SESSIONS)),
    byLoop: async () => killWithLoop(loopConnection, await openVictims(SESSIONS)),
    report: ({ run, callFirst, callMs: t, loop }) =>
      console.log(
        `run ${run} (${callFirst ? 'emulator' : 'loop'} first): emulator ${fixed(t)} ms = ${fixed(perSecond(t), 0)} sessions/s; ` +
          `pg_terminate_backend loop ${fixed(loop.ms)} ms = ${fixed(perSecond(loop.ms), 0)} sessions/s (last call returned at ${fixed(loop.signalledMs)} ms); ratio ${fixed(loop.ms / t, 2)}x`,
      ),
  });
  console.log(`\nmedians over ${RUNS} runs`);
  console.log(`  CancelInstanceProcess      ${fixed(median(callRates), 0)} sessions/s`);
  console.log(`  pg_terminate_backend loop  ${fixed(median(loopRates), 0)} sessions/s`);
  console.log(`  ratio (per run)            ${fixed(ratio, 2)}x (target >= ${TARGET_RATIO}x)  ${ratio >= TARGET_RATIO ? 'PASS' : 'MISS'}`);
  await loopConnection.end();
}

await runKillBench(main, cleanup);
