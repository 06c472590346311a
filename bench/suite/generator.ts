/** What one load run reports, whichever generator ran it (wrk, or autocannon when wrk is missing). */
export interface GeneratorRun {
  readonly generator: 'wrk' | 'autocannon';
  /** Answers received (any status). */
  readonly requests: number;
  /** The run's own length, s. */
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers that were not 2xx, by status. */
  readonly badStatuses: Readonly<Record<string, number>>;
  /** The start of the first such answer's body. */
  readonly badBody?: string;
  readonly socketErrors: number;
  readonly socketErrorDetail: string;
  /** Per generator thread: pool entries taken, and the size of its slice of the pool (more taken than that = wrapped). */
  readonly sent: readonly number[];
  readonly slices: readonly number[];
  /** The generator's own CPU time (user + system) over the load, s. */
  readonly clientCpuS: number;
}

export const nonOk = (run: GeneratorRun): number => Object.values(run.badStatuses).reduce((a, b) => a + b, 0);
export const wrapped = (run: GeneratorRun): boolean => run.sent.some((n, i) => n > run.slices[i]!);
/** Pool entries from the run's start that it consumed (thread k takes every n-th entry from start + k). */
export const consumedEntries = (run: GeneratorRun): number => run.sent.length * Math.max(0, ...run.sent);
