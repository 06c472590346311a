/**
 * Kill throughput on a real server: N idle sessions killed by one Alibaba kill task through the
 * emulator, against N killed by a plain serial mysql2 KILL loop, in the same process and run.
 * `npm run bench:kill`; settings: BENCH_SESSIONS, BENCH_RUNS, BENCH_POLL_MS, DAS_EMULATOR_TEST_MYSQL_URL.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { parseMysqlUrl } from '../src/backends/mysql-url.js';
import { startEmulator, type Emulator } from '../src/index.js';
import { dasClient, type DasClient } from '../test/alibaba/clients.js';
import { positiveInt, RUNS, runKillBench, SESSIONS } from './suite/kill-runs.js';
import { median } from './suite/stats.js';

// The client polls from this process, so each poll also takes event-loop time from the kill it waits for.
const POLL_MS = positiveInt('BENCH_POLL_MS', 2);
const MYSQL_URL = process.env.DAS_EMULATOR_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
const SMALL = 10;
const SMALL_TASKS_PER_RUN = 5;
const INSTANCE = 'rm-emulator0001';
const TARGET_RATIO = 0.8;
const TARGET_CREATE_MS = 50;

const server = parseMysqlUrl(MYSQL_URL);
interface Account { readonly user: string; readonly password: string }
const connect = (account: Account): Promise<Connection> => createConnection({ host: server.host, port: server.port, user: account.user, password: account.password, connectTimeout: 10_000 });

const prefix = `dasb_${randomBytes(4).toString('hex')}`;
const killer: Account = { user: `${prefix}_killer`, password: `Pw#${randomBytes(8).toString('hex')}` };
const victim: Account = { user: `${prefix}_victim`, password: `Pw#${randomBytes(8).toString('hex')}` };
/** Open victim sessions by thread id, so cleanup can close whatever a failed run left behind. */
const victims = new Map<number, Connection>();
let admin: Connection | undefined;
let emulator: Emulator | undefined;
let restoreMaxConnections: number | undefined;

/** Opens n idle victim sessions, 50 logins at a time so the server's accept queue never overflows. */
async function openVictims(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect(victim)));
    for (const connection of batch) {
      // A killed connection reports it as an event; without a listener it would crash the process.
      connection.on('error', () => {});
      victims.set(connection.threadId, connection);
      ids.push(connection.threadId);
    }
  }
  return ids;
}

async function countListed(via: Connection, ids: readonly number[]): Promise<number> {
  const [rows] = await via.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (${ids.join(',')})`);
  const count = Number(rows[0]?.n);
  if (!Number.isInteger(count)) throw new Error('the processlist count came back unreadable');
  return count;
}

/**
 * Both ways count as done when the server no longer lists the sessions, so both are checked the
 * same way after. The dead connections are then dropped: thousands kept would slow every later GC.
 */
async function confirmKilled(ids: readonly number[], how: string): Promise<void> {
  const left = await countListed(admin!, ids);
  if (left > 0) throw new Error(`${how}: ${left} of ${ids.length} sessions are still alive`);
  for (const id of ids) {
    victims.get(id)?.destroy();
    victims.delete(id);
  }
}

/** A task's time to completion and, within it, the create call's own latency. */
interface TaskTiming { readonly ms: number; readonly createMs: number }

async function killWithTask(client: DasClient, ids: readonly number[]): Promise<TaskTiming> {
  const start = performance.now();
  const created = await client.call('CreateKillInstanceSessionTask', { InstanceId: INSTANCE, DbUser: killer.user, DbUserPassword: killer.password, KillAllSessions: false, SessionIds: JSON.stringify(ids) });
  const createMs = performance.now() - start;
  const taskId: unknown = created.Data;
  if (typeof taskId !== 'string') throw new Error(`CreateKillInstanceSessionTask returned no task id: ${JSON.stringify(created).slice(0, 300)}`);
  for (;;) {
    const data: unknown = (await client.call('GetKillInstanceSessionTaskResult', { InstanceId: INSTANCE, TaskId: taskId })).Data;
    const { TaskState: state, KillSuccessCount: killed } = (data ?? {}) as { TaskState?: unknown; KillSuccessCount?: unknown };
    if (state === 'RUNNING') {
      await sleep(POLL_MS);
      continue;
    }
    const ms = performance.now() - start;
    if (state !== 'SUCCESS' || killed !== ids.length) throw new Error(`task ${taskId} ended ${String(state)} with KillSuccessCount ${String(killed)}, expected SUCCESS and ${ids.length}`);
    await confirmKilled(ids, 'emulator task');
    return { ms, createMs };
  }
}

/** The reference, in ms: what a client does without the emulator, on a connection already open. */
async function killWithLoop(connection: Connection, ids: readonly number[]): Promise<number> {
  const start = performance.now();
  for (const id of ids) await connection.query(`KILL CONNECTION ${id}`);
  // No pause between checks: each is a round trip already.
  while ((await countListed(connection, ids)) > 0);
  const ms = performance.now() - start;
  await confirmKilled(ids, 'KILL loop');
  return ms;
}

const perSecond = (ms: number): number => (SESSIONS * 1000) / ms;
const fixed = (value: number, digits = 1): string => value.toFixed(digits);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const connection of victims.values()) connection.destroy();
    await emulator?.stop().catch((error: unknown) => console.error('stopping the emulator failed:', error));
    if (!admin) return;
    for (const account of [killer, victim]) await admin.query('DROP USER IF EXISTS ?@?', [account.user, '%']).catch(() => {});
    if (restoreMaxConnections !== undefined) await admin.query(`SET GLOBAL max_connections = ${restoreMaxConnections}`).catch(() => {});
    await admin.end().catch(() => admin?.destroy());
  })());
}

async function main(): Promise<void> {
  admin = await connect({ user: server.account?.user ?? 'root', password: server.account?.password ?? '' });
  const [[info]] = await admin.query<RowDataPacket[]>('SELECT VERSION() AS version, @@max_connections AS maxConnections');
  const version = String(info?.version);
  const needed = 2 * SESSIONS + 100;
  if (Number(info?.maxConnections) < needed) {
    restoreMaxConnections = Number(info?.maxConnections);
    await admin.query(`SET GLOBAL max_connections = ${needed}`);
  }
  for (const account of [killer, victim]) await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [account.user, '%', account.password]);
  // SUPER lets the killer end any account's sessions, as a privileged cloud account does.
  await admin.query('GRANT PROCESS, SUPER ON *.* TO ?@?', [killer.user, '%']);

  emulator = await startEmulator({ mysqlUrl: MYSQL_URL, killTimeoutMs: 30_000 });
  const client = dasClient('openapi-v3', emulator.url);
  const loopConnection = await connect(killer);
  loopConnection.on('error', () => {});

  const cpus = os.cpus();
  console.log(`kill benchmark: ${SESSIONS} sessions x ${RUNS} runs, small task ${SMALL} sessions, task polled every ${POLL_MS} ms`);
  console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}, server ${version}\n`);

  // Warm-up at full size (not reported): first HTTP call, JIT of the paths large requests take, the server's first logins.
  await killWithTask(client, await openVictims(SESSIONS));
  await killWithLoop(loopConnection, await openVictims(SESSIONS));

  const emulatorRates: number[] = [], loopRates: number[] = [], ratios: number[] = [], createMs: number[] = [], smallCreateMs: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (let i = 0; i < SMALL_TASKS_PER_RUN; i++) smallCreateMs.push((await killWithTask(client, await openVictims(SMALL))).createMs);
    // Alternating which goes first cancels whatever the first kill of a run leaves behind (purged threads, warm caches).
    const emulatorFirst = run % 2 === 1;
    // Each side gets its own fresh victims, opened outside the timing, so both face the same processlist.
    const byTask = async () => killWithTask(client, await openVictims(SESSIONS));
    const byLoop = async () => killWithLoop(loopConnection, await openVictims(SESSIONS));
    let t: TaskTiming, l: number;
    if (emulatorFirst) [t, l] = [await byTask(), await byLoop()];
    else [l, t] = [await byLoop(), await byTask()];
    emulatorRates.push(perSecond(t.ms));
    loopRates.push(perSecond(l));
    ratios.push(l / t.ms);
    createMs.push(t.createMs);
    console.log(
      `run ${run} (${emulatorFirst ? 'emulator' : 'KILL loop'} first): emulator ${fixed(t.ms)} ms = ${fixed(perSecond(t.ms), 0)} sessions/s (create ${fixed(t.createMs)} ms); ` +
        `KILL loop ${fixed(l)} ms = ${fixed(perSecond(l), 0)} sessions/s; ratio ${fixed(l / t.ms, 2)}x`,
    );
  }

  // Each run's two figures share that run's conditions (server state, other load), so the ratio is taken per run.
  const ratio = median(ratios);
  const createMedian = median(createMs), createMax = Math.max(...createMs);
  const smallMedian = median(smallCreateMs), smallMax = Math.max(...smallCreateMs);
  console.log(`\nmedians over ${RUNS} runs`);
  console.log(`  emulator task      ${fixed(median(emulatorRates), 0)} sessions/s`);
  console.log(`  plain KILL loop    ${fixed(median(loopRates), 0)} sessions/s`);
  console.log(`  ratio (per run)    ${fixed(ratio, 2)}x (target >= ${TARGET_RATIO}x)  ${verdict(ratio >= TARGET_RATIO)}`);
  console.log(`  create call, ${SESSIONS} sessions: p50 ${fixed(createMedian)} ms, max ${fixed(createMax)} ms (target < ${TARGET_CREATE_MS} ms)  ${verdict(createMax < TARGET_CREATE_MS)}`);
  console.log(`  create call, ${SMALL} sessions: p50 ${fixed(smallMedian)} ms, max ${fixed(smallMax)} ms (target < ${TARGET_CREATE_MS} ms)  ${verdict(smallMax < TARGET_CREATE_MS)}`);
  await loopConnection.end();
}

await runKillBench(main, cleanup);
