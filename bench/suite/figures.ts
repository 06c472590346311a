/** Turns the measurements into report rows: medians, ratios to the peers and the reference, and the issue's targets. */
import os from 'node:os';
import type { ColdStartResult } from './cold-start.js';
import type { InProcessResult } from './in-process.js';
import type { Row, Section, Verdict } from './report.js';
import { RETAIN_TASKS, type ScaleResult } from './scale.js';
import type { Settings } from './settings.js';
import { median } from './stats.js';
import type { RunSample, ThroughputPhase } from './throughput.js';

export const TARGETS = {
  /** Emulator throughput ÷ WireMock's on the same call. */
  readsVsWireMock: 2,
  writesVsWireMock: 1,
  p99Ms: 5,
  coldStartMs: 250,
  /** Emulator cold start ÷ the bare node:http peer's. */
  coldStartRatio: 2.5,
  rssMb: 150,
  lookupP99Ms: 5,
  /** Bytes per task in every growth segment within this share of the overall figure. */
  linearTolerance: 0.15,
  resetMs: 20,
} as const;

const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');
export const ms = (value: number): string => `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;
const times = (value: number): string => `${value.toFixed(2)}x`;
const rate = (value: number): string => `${Math.round(value).toLocaleString('en-US')} req/s`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const count = (n: number): string => n.toLocaleString('en-US');

const perRound = (a: readonly RunSample[], b: readonly RunSample[], value: (s: RunSample) => number): number => median(a.map((s, i) => value(s) / value(b[i]!)));

/** One section per call: every target's figures, then the issue's goals for the emulator. */
export function throughputSections(phase: ThroughputPhase, settings: Settings, skipped: readonly string[]): Section[] {
  return phase.results.map((result) => {
    const emulator = result.targets.find((t) => t.target.key === 'emulator')!.samples;
    const of = (key: string) => result.targets.find((t) => t.target.key === key)?.samples;
    const med = (samples: readonly RunSample[], value: (s: RunSample) => number) => median(samples.map(value));
    const table = {
      columns: ['target', 'req/s', 'p50 / p99', 'server CPU/req', 'server cores', 'RSS / peak', 'client CPU', 'emulator ÷ this: req/s', 'emulator ÷ this: CPU/req'],
      rows: result.targets.map(({ target, samples }) => [
        target.label,
        rate(med(samples, (s) => s.rps)),
        `${ms(med(samples, (s) => s.p50Ms))} / ${ms(med(samples, (s) => s.p99Ms))}`,
        `${med(samples, (s) => s.serverCpuUs).toFixed(0)} µs`,
        med(samples, (s) => s.serverCores).toFixed(2),
        `${med(samples, (s) => s.rssMb).toFixed(0)} / ${Math.max(...samples.map((s) => s.peakMb)).toFixed(0)} MB`,
        `${(med(samples, (s) => s.clientShare) * 100).toFixed(0)}%`,
        target.key === 'emulator' ? '' : times(perRound(emulator, samples, (s) => s.rps)),
        target.key === 'emulator' ? '' : times(perRound(emulator, samples, (s) => s.serverCpuUs)),
      ]),
    };
    const name = result.workload.name;
    const rows: Row[] = [];
    const wiremock = of('wiremock');
    const goal = result.workload.kind === 'read' ? TARGETS.readsVsWireMock : TARGETS.writesVsWireMock;
    if (wiremock) {
      const ratio = perRound(emulator, wiremock, (s) => s.rps);
      rows.push({ figure: `${name}: throughput vs WireMock`, value: rate(med(emulator, (s) => s.rps)), reference: rate(med(wiremock, (s) => s.rps)), ratio: times(ratio), target: `>= ${goal}x`, verdict: verdict(ratio >= goal) });
    } else rows.push({ figure: `${name}: throughput vs WireMock`, value: 'WireMock not measured', target: `>= ${goal}x` });
    const naive = of('naive');
    if (naive) {
      const ratio = perRound(emulator, naive, (s) => s.serverCpuUs);
      rows.push({ figure: `${name}: server CPU per request vs naive`, value: `${med(emulator, (s) => s.serverCpuUs).toFixed(0)} µs`, reference: `${med(naive, (s) => s.serverCpuUs).toFixed(0)} µs`, ratio: times(ratio), target: '<= 1x', verdict: verdict(ratio <= 1) });
    } else rows.push({ figure: `${name}: server CPU per request vs naive`, value: 'naive peer not measured', target: '<= 1x' });
    const p99 = med(emulator, (s) => s.p99Ms);
    rows.push({ figure: `${name}: latency p99`, value: ms(p99), target: `<= ${TARGETS.p99Ms} ms`, verdict: verdict(p99 <= TARGETS.p99Ms) });

    const all = result.targets.flatMap((t) => t.samples);
    const loud = all.filter((s) => !s.quiet.quiet).length;
    const cycled = result.targets.filter((t) => t.samples.some((s) => s.cycled)).map((t) => t.target.label);
    return {
      title: `Throughput: ${name}`,
      short: 'Throughput',
      table,
      rows,
      notes: [
        `Medians over ${settings.rounds} runs of ${settings.durationS} s per target (after ${settings.warmupS} s of warm-up each), the target order rotating between rounds; ` +
          'emulator ÷ this is the median of the per-round ratios. Server CPU is the target process\'s user + system time over the run (/proc/<pid>/stat; every thread, so the whole JVM for WireMock), per answer and per second of the run (cores); RSS is VmRSS after the run, peak VmHWM. ' +
          `Client CPU is the load generator's own CPU time over the run as a share of all ${os.cpus().length} cores. Every run had only 2xx answers and no socket error (checked; the bench fails otherwise). ` +
          `Before each run the machine was sampled for idle time: ${all.length - loud} of ${all.length} runs started on a quiet machine (>= 90% idle over 1 s), lowest idle ${(Math.min(...all.map((s) => s.quiet.idle)) * 100).toFixed(0)}%, ` +
          `longest wait ${Math.max(...all.map((s) => s.quiet.waitedS)).toFixed(0)} s, 1-minute load average ${Math.min(...all.map((s) => s.quiet.load1)).toFixed(2)}–${Math.max(...all.map((s) => s.quiet.load1)).toFixed(2)}.`,
        `Requests: a pool of ${count(result.poolSize)} pre-signed requests, signed ${result.poolSignings} time${result.poolSignings === 1 ? '' : 's'} for this call` +
          (result.workload.singleUse ? ' (Alibaba V3 nonces are single-use: the emulator with auth enforced never got an entry twice, and got a fresh pool when the rest might not last a run)' : ' (Huawei requests carry no nonce; the emulator accepts a repeat within the 15-minute X-Sdk-Date window)') +
          (cycled.length > 0 ? `; ${cycled.join(', ')} went round the pool, which only repeats requests that no nonce check sees.` : '.'),
        ...(phase.generator === 'autocannon' ? ['NOTE: wrk was not used: autocannon replayed the pool in JavaScript in the bench process, on the same cores as the servers, so every rate here is capped by that client.'] : []),
        ...skipped,
      ],
    };
  });
}

export function coldStartSection(result: ColdStartResult): Section {
  const emulator = median(result.emulatorMs);
  const reference = median(result.referenceMs);
  const ratio = emulator / reference;
  const figure = 'CLI spawn to first 200 from /_emulator/health';
  return {
    title: 'Cold start (default fixtures, existing data file)',
    short: 'Cold start',
    rows: [
      { figure, value: ms(emulator), reference: ms(reference), ratio: times(ratio), target: `< ${TARGETS.coldStartMs} ms`, verdict: verdict(emulator < TARGETS.coldStartMs) },
      { figure: `${figure}: ratio to the reference`, value: times(ratio), target: `<= ${TARGETS.coldStartRatio}x`, verdict: verdict(ratio <= TARGETS.coldStartRatio) },
    ],
    notes: [
      `${result.emulatorMs.length} spawns of each, alternating, after one unreported spawn of each. Emulator: \`node dist/cli.js --port 0 --data <file> --log-level silent\`; ` +
        'reference: the bare node:http peer, `node build/bench/suite/peers/node-http.js --port 0`. The health request goes out when the process prints its ready line. ' +
        `Emulator samples (ms): ${result.emulatorMs.map((v) => v.toFixed(0)).join(', ')}; reference: ${result.referenceMs.map((v) => v.toFixed(0)).join(', ')}.`,
    ],
  };
}

export function scaleSection(result: ScaleResult, referenceStartMs: number, settings: Settings): Section {
  const rows: Row[] = [];
  // Bytes each task added between consecutive size points.
  const perTask = result.sizes.slice(1).map((point, i) => (point.bytes - result.sizes[i]!.bytes) / (point.tasks - result.sizes[i]!.tasks));
  const overall = (result.sizes.at(-1)!.bytes - result.sizes[0]!.bytes) / (result.sizes.at(-1)!.tasks - result.sizes[0]!.tasks);
  result.sizes.forEach((point, i) =>
    rows.push({ figure: `data file, ${count(point.tasks)} task${point.tasks === 1 ? '' : 's'}`, value: i === 0 ? mb(point.bytes) : `${mb(point.bytes)} (+${perTask[i - 1]!.toFixed(0)} B/task)` }),
  );
  const spread = Math.max(...perTask.map((b) => Math.abs(b / overall - 1)));
  rows.push({ figure: 'growth is linear (bytes per task of each segment vs overall)', value: `${overall.toFixed(0)} B/task, max deviation ${(spread * 100).toFixed(1)}%`, target: `within ${TARGETS.linearTolerance * 100}%`, verdict: verdict(spread <= TARGETS.linearTolerance) });

  const { afterStart, afterLookups, afterLoad } = result.memory;
  const rounds = `${settings.rounds} x ${count(settings.lookups)}`;
  rows.push({ figure: `resident memory after start on ${count(result.tasks)} tasks`, value: `${afterStart.rssMb.toFixed(1)} MB` });
  rows.push({ figure: `resident memory after ${rounds} sequential lookups`, value: `${afterLookups.rssMb.toFixed(1)} MB` });
  rows.push({
    figure: `peak resident memory (VmHWM) after a further ${count(result.underLoad.requests)} lookups under load`,
    value: `${afterLoad.peakMb.toFixed(1)} MB (now ${afterLoad.rssMb.toFixed(1)} MB)`,
    target: `< ${TARGETS.rssMb} MB`,
    verdict: verdict(afterLoad.peakMb < TARGETS.rssMb),
  });

  const { lookupBig: big, lookupReference: ref, lookupOneTask: one } = result;
  rows.push({
    figure: `task-result lookup p99, ${count(result.tasks)} tasks (sequential, signed, random ids)`,
    value: ms(big.p99),
    reference: ms(ref.p99),
    ratio: times(big.p99 / ref.p99),
    target: `< ${TARGETS.lookupP99Ms} ms`,
    verdict: verdict(big.p99 < TARGETS.lookupP99Ms),
  });
  rows.push({ figure: 'task-result lookup p50, same', value: ms(big.p50), reference: ms(ref.p50), ratio: times(big.p50 / ref.p50) });
  rows.push({ figure: 'same lookup on a file with 1 task: p50 / p99', value: `${ms(one.p50)} / ${ms(one.p99)}` });
  rows.push({ figure: `lookups under autocannon, random ids: throughput, p50 / p99`, value: `${rate(result.underLoad.rps)}, ${result.underLoad.p50} / ${result.underLoad.p99} ms` });
  rows.push({ figure: 'TaskStore.get in process (task row + results): p50 / p99', value: `${result.storeGetUs.p50.toFixed(0)} / ${result.storeGetUs.p99.toFixed(0)} µs` });
  const lookupPlans = result.plans.filter((p) => p.lookup);
  const searches = lookupPlans.filter((p) => p.plan.length > 0 && p.plan.every((line) => line.startsWith('SEARCH'))).length;
  rows.push({ figure: 'lookup statements search an index (plans below)', value: `${searches} of ${lookupPlans.length} SEARCH, no SCAN`, target: 'all SEARCH', verdict: verdict(searches === lookupPlans.length) });

  const startup = median(result.startupMs);
  rows.push({ figure: `CLI spawn to first 200, ${count(result.tasks)}-task file`, value: ms(startup), reference: ms(referenceStartMs), ratio: times(startup / referenceStartMs) });
  const retained = median(result.retention.startupMs);
  rows.push({ figure: `same with --retain-tasks ${RETAIN_TASKS} (prunes ${count(result.tasks + 1 - RETAIN_TASKS)} at startup)`, value: ms(retained), reference: ms(referenceStartMs), ratio: times(retained / referenceStartMs) });
  rows.push({ figure: 'tasks left after that startup', value: count(result.retention.remaining), target: `= ${count(RETAIN_TASKS)}`, verdict: verdict(result.retention.remaining === RETAIN_TASKS) });
  rows.push({ figure: `TaskStore.prune({ maxTasks: ${RETAIN_TASKS} }) in process`, value: ms(result.retention.pruneCountMs) });
  rows.push({ figure: `TaskStore.prune({ olderThan: now - ${RETAIN_TASKS} s }) in process`, value: `${ms(result.retention.pruneAgeMs)} (${count(result.retention.ageRemaining)} left)` });

  const plans = result.plans.map((p) => `${p.lookup ? '-- run by every task-result lookup\n' : ''}${p.sql}\n${p.plan.map((line) => `   ${line}`).join('\n')}`).join('\n\n');
  return {
    title: `Scale (${count(result.tasks)} stored tasks)`,
    short: 'Scale',
    rows,
    notes: [
      `The tasks are copies of one task the CLI created (an Alibaba kill of two sessions, so one task row and two result rows each), given new ids and one-second-apart creation times, ` +
        `written with TaskStore.insertAll in batches of 5,000 (${(result.insertMs / 1000).toFixed(1)} s in all); sizes are taken after a WAL checkpoint. ` +
        `Lookups are signed GetKillInstanceSessionTaskResult calls (auth enforce) for random stored task ids, one at a time on a keep-alive connection, timed from send to the end of the answer (signing excluded): ` +
        `${settings.rounds} rounds of ${count(settings.lookups)} on the big file, on a file holding only the template task, and on the reference (same signed requests), the three in rotating order; each percentile is the median over rounds. ` +
        `Memory is VmRSS / VmHWM from /proc of the CLI process. Pruning leaves the file at ${mb(result.retention.bytesAfter)}: SQLite keeps the freed pages for new rows and does not shrink the file.`,
      'Query plans (`EXPLAIN QUERY PLAN` on the big file) of every TaskStore statement that reads a table, as the store prepares them (recorded through a spy on `db.prepare`, so they cannot drift from src/store/tasks.ts); ' +
        'the ones marked are those TaskStore.get ran for a lookup. ' +
        'SCAN lines belong to statements outside the lookup: the control-plane task list reads newest first until LIMIT rows match its filters, clearing all tasks reads them all by definition, ' +
        'and the retention-by-count subquery walks the rowid b-tree backwards and stops after OFFSET (the retained count) rows. Pruning costs what deleting the rows, their index entries and their results costs.',
    ],
    code: plans,
  };
}

export function inProcessSection(result: InProcessResult): Section {
  const start = median(result.startMs);
  const reference = median(result.referenceStartMs);
  const reset = median(result.resetMs);
  return {
    title: 'In-process API',
    short: 'In-process API',
    rows: [
      { figure: 'first startEmulator() in a process (import of dist/index.js included)', value: ms(result.firstStartMs) },
      { figure: 'startEmulator() to ready', value: ms(start), reference: ms(reference), ratio: times(start / reference) },
      { figure: 'reset() to the default fixtures', value: `${ms(reset)} (max ${ms(Math.max(...result.resetMs))})`, target: `< ${TARGETS.resetMs} ms`, verdict: verdict(reset < TARGETS.resetMs) },
    ],
    notes: [
      `${result.startMs.length} runs each. The reference is a bare node:http server's listen(0) in this process. ` +
        'Each reset() follows a signed CreateKillInstanceSessionTask (a task with results, two sessions killed) and a Huawei RegisterDbUser, so it has work to undo.',
    ],
  };
}
