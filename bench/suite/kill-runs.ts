/**
 * What the kill benchmarks share: runs that alternate which side goes first (cancelling whatever
 * the first kill of a run leaves behind), the ratio taken per run (each run's two figures share its
 * conditions), and a main that always cleans up, also on Ctrl-C.
 */
import { median } from './stats.js';

export const positiveInt = (name: string, fallback: number): number => {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};
/** Victims per side and run (BENCH_SESSIONS), and runs (BENCH_RUNS). */
export const SESSIONS = positiveInt('BENCH_SESSIONS', 1000);
export const RUNS = positiveInt('BENCH_RUNS', 3);

export interface AlternatingRuns {
  readonly callRates: readonly number[];
  readonly loopRates: readonly number[];
  /** Per run: loop time / call time, so above 1 means the emulator's single call was faster. */
  readonly ratios: readonly number[];
  readonly ratio: number;
}

/**
 * `runs` rounds of one emulator call and one plain loop, each given fresh victims by its function
 * and answering the time it took (ms); `report` prints each round.
 */
export async function alternatingRuns<L extends { readonly ms: number }>(options: {
  readonly runs: number;
  readonly sessions: number;
  readonly byCall: () => Promise<number>;
  readonly byLoop: () => Promise<L>;
  readonly report: (round: { run: number; callFirst: boolean; callMs: number; loop: L }) => void;
}): Promise<AlternatingRuns> {
  const perSecond = (ms: number): number => (options.sessions * 1000) / ms;
  const callRates: number[] = [], loopRates: number[] = [], ratios: number[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const callFirst = run % 2 === 1;
    let callMs: number, loop: L;
    if (callFirst) [callMs, loop] = [await options.byCall(), await options.byLoop()];
    else [loop, callMs] = [await options.byLoop(), await options.byCall()];
    callRates.push(perSecond(callMs));
    loopRates.push(perSecond(loop.ms));
    ratios.push(loop.ms / callMs);
    options.report({ run, callFirst, callMs, loop });
  }
  return { callRates, loopRates, ratios, ratio: median(ratios) };
}

/** Runs a benchmark's main, then its cleanup whatever happened; Ctrl-C cleans up and exits 130. */
export async function runKillBench(main: () => Promise<void>, cleanup: () => Promise<void>): Promise<void> {
  process.once('SIGINT', () => {
    console.error('\ninterrupted: cleaning up');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    await main();
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
