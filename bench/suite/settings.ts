/**
 * Bench settings, read once from the environment so a quick local run can shrink every phase
 * (for example `BENCH_DURATION_S=1 BENCH_ROUNDS=3 BENCH_TASKS=20000 npm run bench`).
 */
const integer = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
};

export interface Settings {
  /** Seconds of each autocannon measurement. */
  readonly durationS: number;
  /** Measured rounds per workload; each round loads the emulator and the reference once. */
  readonly rounds: number;
  /** Concurrent autocannon connections. */
  readonly connections: number;
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
  durationS: integer('BENCH_DURATION_S', 3),
  rounds: integer('BENCH_ROUNDS', 5),
  connections: integer('BENCH_CONNECTIONS', 10),
  tasks: integer('BENCH_TASKS', 100_000, 1000),
  coldRuns: integer('BENCH_COLD_RUNS', 9),
  lookups: integer('BENCH_LOOKUPS', 1000),
  inProcessRuns: integer('BENCH_IN_PROCESS_RUNS', 20),
  profileDir: process.env.BENCH_PROFILE_DIR || undefined,
};
