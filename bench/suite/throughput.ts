/**
 * Requests/s, latency and cost per request of the four calls on every target. For each call a pool
 * of requests is signed before any load (see pool.ts); wrk replays it (autocannon when wrk is
 * missing). Per call, each round loads every target once, in an order that rotates from round to
 * round; each run waits for a quiet machine, warms the target up, then measures it.
 */
import os from 'node:os';
import { join } from 'node:path';
import { replayWithAutocannon } from './autocannon.js';
import { consumedEntries, nonOk, wrapped, type GeneratorRun } from './generator.js';
import { RequestPool } from './pool.js';
import { waitForQuiet, type QuietCheck } from './quiet.js';
import type { Settings } from './settings.js';
import type { Target } from './targets.js';
import { verifyTarget, type Workload } from './workloads.js';
import { runWrk, wrkAvailable } from './wrk.js';

export interface RunSample {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Server CPU time (user + system, all its threads) per answer, µs. */
  readonly serverCpuUs: number;
  /** Server CPU time over the run's length: how many cores it kept busy. */
  readonly serverCores: number;
  /** Server VmRSS after the run and VmHWM so far, MB. */
  readonly rssMb: number;
  readonly peakMb: number;
  /** The load generator's CPU time as a share of all the machine's cores over the run. */
  readonly clientShare: number;
  readonly quiet: QuietCheck;
  /** The run went round its slice of the pool (allowed only where no nonce is remembered). */
  readonly cycled: boolean;
}

export interface TargetSamples {
  readonly target: Pick<Target, 'key' | 'label' | 'emulator'>;
  readonly samples: readonly RunSample[];
}

export interface ThroughputResult {
  readonly workload: Workload;
  readonly targets: readonly TargetSamples[];
  /** How often the pool was signed, and its last size. */
  readonly poolSignings: number;
  readonly poolSize: number;
}

export interface ThroughputPhase {
  readonly generator: 'wrk' | 'autocannon';
  readonly results: readonly ThroughputResult[];
}

function describeFailure(target: Target, run: GeneratorRun): string | undefined {
  const bad = nonOk(run);
  if (bad === 0 && run.socketErrors === 0 && run.requests > 0) return undefined;
  return (
    `${target.label} at ${target.server.url}: ${run.requests} answers, ${bad} not 2xx (by status ${JSON.stringify(run.badStatuses)}), ${run.socketErrorDetail}` +
    (run.badBody ? `; first such body: ${run.badBody}` : '')
  );
}

/** One call's pool and what it learnt of each target's rate (to size the pool for strict runs). */
interface Call {
  readonly workload: Workload;
  readonly pool: RequestPool;
  readonly lastRate: Map<Target, number>;
}

export async function measureThroughput(targets: readonly Target[], workloads: readonly Workload[], settings: Settings, dir: string, progress: (line: string) => void): Promise<ThroughputPhase> {
  const generator = settings.client === 'wrk' && wrkAvailable() ? 'wrk' : 'autocannon';
  if (generator === 'autocannon') progress('  NOTE: wrk not found (or BENCH_CLIENT=autocannon): autocannon replays the pools in JavaScript on the same cores as the servers');
  const cores = os.cpus().length;

  const once = async ({ workload, pool, lastRate }: Call, target: Target, seconds: number): Promise<{ run: GeneratorRun; cpuMs: number }> => {
    const strict = workload.singleUse && target.remembersNonces;
    const first = pool.startFor(strict, (lastRate.get(target) ?? 0) * seconds);
    const cpuBefore = target.server.cpuMs();
    const run =
      generator === 'wrk'
        ? await runWrk(target.server.url, pool.file, first, { threads: settings.threads, connections: settings.connections, seconds })
        : await replayWithAutocannon(target.server.url, pool.requests, first, settings.connections, seconds);
    const cpuMs = target.server.cpuMs() - cpuBefore;
    if (strict) {
      pool.consumed(first, consumedEntries(run));
      if (wrapped(run)) throw new Error(`${workload.name} on ${target.label}: the pool (${pool.size} requests from entry ${first}) ran out and would repeat Alibaba nonces; raise BENCH_POOL`);
    }
    const failure = describeFailure(target, run);
    if (failure) throw new Error(`${workload.name}: ${failure}`);
    lastRate.set(target, run.rps);
    return { run, cpuMs };
  };

  const calls: Call[] = [];
  for (const [index, workload] of workloads.entries()) {
    for (const target of targets) await verifyTarget(target.server.url, workload, { emulator: target.emulator, signatures: target.checksSignatures });
    calls.push({ workload, pool: new RequestPool(workload.next, settings.pool, join(dir, `pool-${index}.txt`), generator === 'autocannon'), lastRate: new Map() });
  }
  // Every target serves every call once before anything is measured: a JVM compiles its hot paths
  // over seconds of load, and the first call measured would otherwise pay for all four.
  progress('  warming every target up on every call');
  for (const target of targets) for (const call of calls) await once(call, target, settings.warmupS);

  const results: ThroughputResult[] = [];
  for (const call of calls) {
    progress(`  ${call.workload.name}`);
    const samples = new Map<Target, RunSample[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < settings.rounds; round++) {
      for (let i = 0; i < targets.length; i++) {
        // Rotating the order spreads a drift of the machine's load over every target.
        const target = targets[(i + round) % targets.length]!;
        const quiet = await waitForQuiet(settings.quietWaitS);
        await once(call, target, settings.warmupS);
        const { run, cpuMs } = await once(call, target, settings.durationS);
        const memory = target.server.memory();
        const sample: RunSample = {
          rps: run.rps,
          p50Ms: run.p50Ms,
          p99Ms: run.p99Ms,
          requests: run.requests,
          serverCpuUs: (cpuMs * 1000) / run.requests,
          serverCores: cpuMs / 1000 / run.seconds,
          rssMb: memory.rssMb,
          peakMb: memory.peakMb,
          clientShare: run.clientCpuS / (run.seconds * cores),
          quiet,
          cycled: wrapped(run),
        };
        samples.get(target)!.push(sample);
        progress(
          `    round ${round + 1} ${target.label}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50Ms.toFixed(2)} / p99 ${run.p99Ms.toFixed(2)} ms, ` +
            `server ${sample.serverCpuUs.toFixed(0)} µs/req (${sample.serverCores.toFixed(2)} cores), client ${(sample.clientShare * 100).toFixed(0)}% of ${cores} cores; ` +
            `before it: ${(quiet.idle * 100).toFixed(0)}% idle after ${quiet.waitedS.toFixed(0)} s, load ${quiet.load1.toFixed(2)}`,
        );
      }
    }
    const { workload, pool } = call;
    results.push({ workload, targets: targets.map((t) => ({ target: { key: t.key, label: t.label, emulator: t.emulator }, samples: samples.get(t)! })), poolSignings: pool.signings, poolSize: pool.size });
  }
  return { generator, results };
}
