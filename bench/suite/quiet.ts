/**
 * Waiting for a quiet machine before each run: the cores are shared with other work, and a run that
 * starts while something else computes measures both. The 1-minute load average lags by about a
 * minute (it stays high after each run of the bench itself), so the test is a short sample of
 * /proc/stat's idle time; the load average is recorded beside it.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** All cores together idle at least this share of a sample counts as quiet (on 2 cores: under 0.2 of a core busy). */
const QUIET_IDLE = 0.9;
const SAMPLE_MS = 1000;

export interface QuietCheck {
  /** Seconds waited before the run started. */
  readonly waitedS: number;
  /** Idle share of all cores in the last sample. */
  readonly idle: number;
  readonly load1: number;
  /** False when the wait ran out first. */
  readonly quiet: boolean;
}

function cpuTimes(): { idle: number; total: number } {
  // "cpu  user nice system idle iowait irq softirq steal ...": idle and iowait are time not spent computing.
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: fields[3]! + fields[4]!, total: fields.reduce((a, b) => a + b, 0) };
}

async function idleShare(): Promise<number> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  const after = cpuTimes();
  return (after.idle - before.idle) / Math.max(1, after.total - before.total);
}

/** Samples until the machine is quiet or `maxS` has passed (0: one sample, no wait). */
export async function waitForQuiet(maxS: number): Promise<QuietCheck> {
  const start = performance.now();
  for (;;) {
    const idle = await idleShare();
    const waitedS = (performance.now() - start) / 1000;
    if (idle >= QUIET_IDLE || waitedS >= maxS) return { waitedS, idle, load1: os.loadavg()[0]!, quiet: idle >= QUIET_IDLE };
  }
}
