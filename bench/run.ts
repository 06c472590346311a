/**
 * `npm run bench`: throughput and latency beside peer servers (bare node:http, bare Hono, a naive
 * Hono + HMAC + SQLite implementation, WireMock), cold start, scale and the in-process API, each
 * measured side by side with its peers or a bare node:http reference in the same run (the machines
 * are shared and noisy).
 * Prints the report and writes bench/RESULTS.md. Settings: see bench/suite/settings.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { measureColdStart } from './suite/cold-start.js';
import { coldStartSection, inProcessSection, scaleSection, throughputSections } from './suite/figures.js';
import { measureInProcess } from './suite/in-process.js';
import { RESULTS, ROOT } from './suite/paths.js';
import { killStartedServers, startEmulatorProcess } from './suite/processes.js';
import { renderMarkdown, renderText, type Report } from './suite/report.js';
import { measureScale } from './suite/scale.js';
import { SETTINGS } from './suite/settings.js';
import { median } from './suite/stats.js';
import { startTargets } from './suite/targets.js';
import { measureThroughput, type ThroughputPhase } from './suite/throughput.js';
import { prepareWorkloads } from './suite/workloads.js';

// Progress goes to stderr so stdout carries the report alone.
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

/** The CLI and API under test are the shipped build (dist/), rebuilt from src/ so they match it. */
function buildDist(): void {
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building dist/ failed (tsc exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  const bundled = spawnSync(process.execPath, ['scripts/bundle-cli.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`bundling dist/cli.js failed (exit ${bundled.status ?? bundled.signal}):\n${bundled.stdout}${bundled.stderr}`);
}

/**
 * A short-lived emulator prepares the data file (the task to read, the registered DB user) and
 * checks the four calls; the emulator targets then start on that file (or a copy), so they hold the
 * ids the signed requests name. Every target is one process serving all four calls.
 */
async function throughputPhase(dir: string): Promise<{ phase: ThroughputPhase; skipped: string[] }> {
  const data = join(dir, 'throughput.db');
  const preparer = await startEmulatorProcess(['--data', data]);
  const workloads = await prepareWorkloads(preparer.url).finally(() => preparer.stop());
  const profile = SETTINGS.profileDir ? ['--cpu-prof', '--cpu-prof-dir', SETTINGS.profileDir] : [];
  const { targets, skipped } = await startTargets(dir, SETTINGS.targets, data, profile);
  for (const note of skipped) progress(`  NOTE: ${note}`);
  try {
    return { phase: await measureThroughput(targets, workloads, SETTINGS, dir, progress), skipped };
  } finally {
    for (const target of targets) await target.server.stop();
  }
}

async function main(): Promise<void> {
  const began = Date.now();
  const cpus = os.cpus();
  const loadAverage = (): string => os.loadavg().map((v) => v.toFixed(2)).join(', ');
  const loadAtStart = loadAverage();
  progress('building dist/');
  buildDist();
  const dir = mkdtempSync(join(os.tmpdir(), 'das-emulator-bench-'));
  try {
    progress('cold start');
    const cold = await measureColdStart(dir, SETTINGS.coldRuns, progress);

    progress('throughput');
    const { phase: throughput, skipped } = await throughputPhase(dir);

    progress('scale');
    const scale = await measureScale(dir, SETTINGS, progress);

    progress('in-process API');
    const inProcess = await measureInProcess(SETTINGS.inProcessRuns);

    const report: Report = {
      title: 'das-emulator benchmarks',
      preamble: [
        `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; Node ${process.version}.`,
        `Run: ${new Date(began).toISOString()}, ${((Date.now() - began) / 1000).toFixed(0)} s; load average (1, 5, 15 min) ${loadAtStart} at start, ${loadAverage()} at the end.`,
        `Settings: BENCH_DURATION_S=${SETTINGS.durationS} BENCH_ROUNDS=${SETTINGS.rounds} BENCH_WARMUP_S=${SETTINGS.warmupS} BENCH_QUIET_WAIT_S=${SETTINGS.quietWaitS} ` +
          `BENCH_CONNECTIONS=${SETTINGS.connections} BENCH_WRK_THREADS=${SETTINGS.threads} BENCH_POOL=${SETTINGS.pool} BENCH_TARGETS=${SETTINGS.targets.join(',')} BENCH_CLIENT=${throughput.generator} ` +
          `BENCH_TASKS=${SETTINGS.tasks} BENCH_COLD_RUNS=${SETTINGS.coldRuns} BENCH_LOOKUPS=${SETTINGS.lookups} BENCH_IN_PROCESS_RUNS=${SETTINGS.inProcessRuns}.`,
        'Every figure is a median over several runs, next to peers or a bare node:http reference measured the same way in the same run; ratio = emulator / peer or reference.',
      ],
      sections: [...throughputSections(throughput, SETTINGS, skipped), coldStartSection(cold), scaleSection(scale, median(cold.referenceMs), SETTINGS), inProcessSection(inProcess)],
      method: [
        'Servers under test run as separate processes on loopback, spawned the same way: the emulator is the shipped CLI `node dist/cli.js` (rebuilt from src/ at the start of the run) with `--port 0 --log-level silent --data <temp file>`, default fixtures and `--auth enforce` (the default), and, as a second target, the same with `--auth off`. ' +
          'Its peers answer the same four calls: a bare node:http server answering a fixed JSON body to everything (`bench/suite/peers/node-http.ts`, also the reference of the cold-start and scale sections); bare Hono on @hono/node-server with canned bodies (`peers/hono-bare.ts`); ' +
          'a naive implementation (`peers/naive.ts`: Hono, the signature recomputed with node:crypto and checked, one better-sqlite3 INSERT for the writes or SELECT for the reads, canned bodies; no timestamp window, nonce memory, policy or validation); ' +
          'WireMock standalone from the `wiremock` npm package (`java -jar`, stub mappings by method and path, and x-acs-action for Alibaba; no request journal, no request logging). The peers answer bodies copied from the emulator\'s.',
        'Every request is signed before the measured window, into a pool per call (`bench/suite/pool.ts`); wrk (`-t1 -c10 --latency` by default) replays it through `bench/suite/wrk-pool.lua`, each wrk thread taking its own slice so no entry goes out twice on a run. ' +
          'Alibaba V3 nonces are single-use, so the emulator with auth enforced never gets an entry twice: it takes entries past all it was sent before, and the pool is signed afresh when the rest might not last a run (its last rate times the run, times 1.5); running out mid-run fails the bench. ' +
          'Huawei requests carry no nonce and the emulator accepts repeats within the 15-minute X-Sdk-Date window; peers may go round a pool. Pools older than 10 minutes are signed again. Without wrk, autocannon replays the pools from the bench process (the report says so).',
        "Signing uses the vendors' own code: Alibaba ACS3-HMAC-SHA256 headers as @alicloud/openapi-client's doRequest builds them, signed by @alicloud/openapi-util getAuthorization (nonce from @alicloud/tea-util); Huawei SDK-HMAC-SHA256 by @huaweicloud/huaweicloud-sdk-core AKSKSigner.sign with the headers HcClient and BasicCredentials add. " +
          'Before measuring, three calls of each workload must answer 200 with the call\'s own answer; before a target is loaded, a fresh call must answer 200 on it, and on the targets that check signatures (the emulator with auth enforced, the naive peer) the same call with an altered signature must be refused.',
        'Workloads: GetKillInstanceSessionTaskResult of a task created once beforehand; CreateKillInstanceSessionTask on rm-emulator0001 (simulated) for sessions 101 and 102 (killed by the first call, expired afterwards: one task and two result rows written per call); ListProcesses and DeleteProcess (process 1001) with a DB user `app` registered once through RegisterDbUser. A short-lived emulator prepares the data file; both emulator targets start on it (or a copy).',
        'Targets from the issue: emulator throughput >= 2x WireMock on the reads (ListProcesses, GetKillInstanceSessionTaskResult) and >= 1x on the writes; server CPU per request <= the naive peer on every call; p99 <= 5 ms; cold start < 250 ms median and <= 2.5x the bare node:http peer; ' +
          'at 100,000 tasks linear file growth, resident memory < 150 MB, task-result lookup p99 < 5 ms; reset() < 20 ms.',
      ],
    };
    process.stdout.write(renderText(report));
    writeFileSync(RESULTS, renderMarkdown(report));
    progress(`wrote ${RESULTS}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.once('SIGINT', () => {
  killStartedServers();
  process.exit(130);
});

try {
  await main();
} catch (error) {
  killStartedServers();
  console.error(error);
  process.exitCode = 1;
}
