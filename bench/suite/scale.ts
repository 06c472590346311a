/**
 * Scale: a data file with many stored tasks. How the file grows, what the CLI holds in memory on it,
 * how a signed task-result lookup behaves (against the same lookup on a file with one task, and the
 * reference answering the same signed requests), the query plans behind the lookup, startup on the
 * big file, and what the retention setting costs.
 */
import http from 'node:http';
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TaskStore } from '../../src/store/tasks.js';
import { expectOk, send } from './http-client.js';
import { startEmulatorProcess, startReferenceProcess, type Memory, type ServerProcess } from './processes.js';
import { taskStorePlans, type Plan } from './query-plans.js';
import type { Settings } from './settings.js';
import { ALIBABA, alibabaV3Signer, type SignedRequest } from './signers.js';
import { median, percentile } from './stats.js';
import { fill, templateTask, timedSync, withDb } from './task-file.js';
import { load, type LoadSample } from './autocannon.js';

export const RETAIN_TASKS = 1000;
const STARTUP_RUNS = 3;

export interface Latencies {
  readonly p50: number;
  readonly p99: number;
}

export interface ScaleResult {
  readonly tasks: number;
  /** Data file bytes (after a WAL checkpoint) by number of stored tasks, the first with the one template task. */
  readonly sizes: ReadonlyArray<{ readonly tasks: number; readonly bytes: number }>;
  readonly insertMs: number;
  /** Every statement of TaskStore that reads a table, with its plan. */
  readonly plans: readonly Plan[];
  /** TaskStore.get (task row and its results) in this process, µs. */
  readonly storeGetUs: Latencies;
  readonly startupMs: readonly number[];
  /** The CLI on the big file: after it started, after the sequential lookups, after the load. */
  readonly memory: { readonly afterStart: Memory; readonly afterLookups: Memory; readonly afterLoad: Memory };
  /** Sequential signed lookups, one at a time on a keep-alive connection, ms (median over rounds). */
  readonly lookupBig: Latencies;
  readonly lookupOneTask: Latencies;
  readonly lookupReference: Latencies;
  /** Random-id lookups under autocannon on the big file. */
  readonly underLoad: LoadSample;
  readonly retention: {
    readonly startupMs: readonly number[];
    readonly remaining: number;
    readonly pruneCountMs: number;
    readonly pruneAgeMs: number;
    readonly ageRemaining: number;
    readonly bytesAfter: number;
  };
}

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;

function plansAndStoreLookups(file: string, ids: readonly string[], samples: number): Pick<ScaleResult, 'plans' | 'storeGetUs'> {
  return withDb(file, (db) => {
    const plans = taskStorePlans(db, ids[0]!);
    const store = new TaskStore(db);
    const us: number[] = [];
    for (let i = 0; i < samples; i++) {
      const id = pick(ids);
      const start = performance.now();
      if (!store.get(id)) throw new Error(`stored task ${id} not found`);
      us.push((performance.now() - start) * 1000);
    }
    return { plans, storeGetUs: { p50: percentile(us, 50), p99: percentile(us, 99) } };
  });
}

/** Signed lookups one after another on one keep-alive connection; only the round trip is timed, not the signing. */
async function sequentialLookups(target: string, ids: readonly string[], count: number): Promise<Latencies> {
  const sign = alibabaV3Signer(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ms: number[] = [];
  try {
    for (let i = 0; i < count + 50; i++) {
      const request = sign('GetKillInstanceSessionTaskResult', { InstanceId: ALIBABA.instance, TaskId: pick(ids) });
      const start = performance.now();
      const answer = await send(target, request, agent);
      const elapsed = performance.now() - start;
      expectOk(answer, 'GetKillInstanceSessionTaskResult');
      // The first 50 warm the connection and the JIT.
      if (i >= 50) ms.push(elapsed);
    }
  } finally {
    agent.destroy();
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

const countTasks = (file: string): number => withDb(file, (db) => (db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n);

interface LookupTarget {
  readonly server: ServerProcess;
  readonly ids: readonly string[];
}

/** Rounds of sequential lookups on each target in turn (the order rotates); the median over rounds of each percentile. */
async function lookupRounds(targets: readonly LookupTarget[], rounds: number, count: number): Promise<Latencies[]> {
  const samples = targets.map((): Latencies[] => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const k = (i + round) % targets.length;
      samples[k]!.push(await sequentialLookups(targets[k]!.server.url, targets[k]!.ids, count));
    }
  }
  return samples.map((s) => ({ p50: median(s.map((l) => l.p50)), p99: median(s.map((l) => l.p99)) }));
}

async function startupsOn(file: string, extraArgs: readonly string[] = [], before?: () => void): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    before?.();
    const server = await startEmulatorProcess(['--data', file, ...extraArgs]);
    ms.push(server.startMs);
    await server.stop();
  }
  return ms;
}

/** The big file, the one-task file and the reference side by side; memory is read from the big file's process. */
async function lookupsAndMemory(big: string, oneTask: string, ids: readonly string[], oneId: string, settings: Settings): Promise<Pick<ScaleResult, 'memory' | 'lookupBig' | 'lookupOneTask' | 'lookupReference' | 'underLoad'>> {
  const servers: ServerProcess[] = [];
  try {
    const bigServer = await startEmulatorProcess(['--data', big]);
    servers.push(bigServer);
    const afterStart = bigServer.memory();
    const oneServer = await startEmulatorProcess(['--data', oneTask]);
    servers.push(oneServer);
    const reference = await startReferenceProcess();
    servers.push(reference);
    const [lookupBig, lookupOneTask, lookupReference] = await lookupRounds(
      [{ server: bigServer, ids }, { server: oneServer, ids: [oneId] }, { server: reference, ids }],
      settings.rounds,
      settings.lookups,
    );
    const afterLookups = bigServer.memory();
    const sign = alibabaV3Signer(bigServer.url);
    const next = (): SignedRequest => sign('GetKillInstanceSessionTaskResult', { InstanceId: ALIBABA.instance, TaskId: pick(ids) });
    const underLoad = await load(bigServer, next, settings.durationS, settings.connections);
    const afterLoad = bigServer.memory();
    return { memory: { afterStart, afterLookups, afterLoad }, lookupBig: lookupBig!, lookupOneTask: lookupOneTask!, lookupReference: lookupReference!, underLoad };
  } finally {
    for (const server of servers) await server.stop();
  }
}

async function retention(big: string, dir: string): Promise<ScaleResult['retention']> {
  const pruned = join(dir, 'pruned.db');
  const startupMs = await startupsOn(pruned, ['--retain-tasks', String(RETAIN_TASKS)], () => copyFileSync(big, pruned));
  const remaining = countTasks(pruned);
  const bytesAfter = statSync(pruned).size;
  copyFileSync(big, pruned);
  const pruneCountMs = withDb(pruned, (db) => timedSync(() => new TaskStore(db).prune({ maxTasks: RETAIN_TASKS })));
  copyFileSync(big, pruned);
  // Tasks were created one per second up to now: this age keeps about the newest RETAIN_TASKS.
  const pruneAgeMs = withDb(pruned, (db) => timedSync(() => new TaskStore(db).prune({ olderThan: Date.now() - RETAIN_TASKS * 1000 })));
  return { startupMs, remaining, pruneCountMs, pruneAgeMs, ageRemaining: countTasks(pruned), bytesAfter };
}

export async function measureScale(dir: string, settings: Settings, progress: (line: string) => void): Promise<ScaleResult> {
  const total = settings.tasks;
  const oneTask = join(dir, 'one-task.db');
  const big = join(dir, 'tasks.db');
  const template = await templateTask(oneTask);
  copyFileSync(oneTask, big);
  progress(`  storing ${total} tasks`);
  const checkpoints = [...new Set([Math.round(total / 10), Math.round(total / 2), total])];
  const { ids, sizes, insertMs } = fill(big, template, total, checkpoints);
  const { plans, storeGetUs } = plansAndStoreLookups(big, ids, settings.lookups * 5);
  progress('  startup on the big file');
  const startupMs = await startupsOn(big);
  progress('  lookups');
  const lookups = await lookupsAndMemory(big, oneTask, ids, template.id, settings);
  progress(`  retention: --retain-tasks ${RETAIN_TASKS} at startup`);
  return { tasks: total, sizes, insertMs, plans, storeGetUs, startupMs, ...lookups, retention: await retention(big, dir) };
}
