/**
 * Bench settings, read once from the environment so a quick local run can shrink every phase
 * (for example `BENCH_DURATION_S=2 BENCH_ROUNDS=1 BENCH_TASKS=20000 npm run bench`).
 */
import { TARGET_KEYS, type TargetKey } from './target-keys.js';

const integer = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
};

/** A comma-separated list of names from `allowed`; all of them when unset. */
const list = <T extends string>(name: string, allowed: readonly T[]): T[] => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...allowed];
  const names = raw.split(',').map((v) => v.trim());
  const unknown = names.filter((v) => !allowed.includes(v as T));
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')}; choose from ${allowed.join(', ')}`);
  return names as T[];
};

export interface Settings {
  /** Seconds of each measured load run (throughput, and the scale phase's run under load). */
  readonly durationS: number;
  /** Measured rounds: per scenario and target in the throughput phase, of lookups in the scale phase. */
  readonly rounds: number;
  /** Seconds of load before each measured run, not reported (JIT, connections, first pages). */
  readonly warmupS: number;
  /** Before each run, how long to wait at most for a quiet machine (0: sample once, never wait). */
  readonly quietWaitS: number;
  /** Concurrent connections of the load generator. */
  readonly connections: number;
  /** wrk threads (each takes its own slice of the request pool). */
  readonly threads: number;
  /** Pre-signed requests per scenario pool, at least (a faster server gets a bigger one). */
  readonly pool: number;
  /** The servers the throughput phase loads; the emulator with auth enforced always among them. */
  readonly targets: readonly TargetKey[];
  /** `autocannon` forces the fallback client even where wrk is installed. */
  readonly client: 'wrk' | 'autocannon';
  /** Stored tasks for the scale figures. */
  readonly tasks: number;
  /** Cold-start spawns of each server. */
  readonly coldRuns: number;
  /** Sequential task-result lookups per target and round in the scale phase (BENCH_ROUNDS rounds). */
  readonly lookups: number;
  /** startEmulator() / reset() repetitions in this process. */
  readonly inProcessRuns: number;
  /** When set, the emulator under load runs with `--cpu-prof` and writes its profiles here. */
  readonly profileDir: string | undefined;
}

export const SETTINGS: Settings = {
  durationS: integer('BENCH_DURATION_S', 10),
  rounds: integer('BENCH_ROUNDS', 3),
  warmupS: integer('BENCH_WARMUP_S', 2),
  quietWaitS: integer('BENCH_QUIET_WAIT_S', 30, 0),
  connections: integer('BENCH_CONNECTIONS', 10),
  threads: integer('BENCH_WRK_THREADS', 1),
  pool: integer('BENCH_POOL', 150_000, 1000),
  targets: [...new Set<TargetKey>(['emulator', ...list('BENCH_TARGETS', TARGET_KEYS)])],
  // One name; unset, the first (wrk).
  client: list('BENCH_CLIENT', ['wrk', 'autocannon'] as const)[0]!,
  tasks: integer('BENCH_TASKS', 100_000, 1000),
  coldRuns: integer('BENCH_COLD_RUNS', 9),
  lookups: integer('BENCH_LOOKUPS', 1000),
  inProcessRuns: integer('BENCH_IN_PROCESS_RUNS', 20),
  profileDir: process.env.BENCH_PROFILE_DIR || undefined,
};
