/**
 * Requests/s and latency under autocannon, the emulator and the reference loaded alternately with
 * the same request factory: every request is signed in the setupRequest hook for both, so the
 * load generator (which shares the machine) spends the same per request on either side and the
 * ratio compares the servers alone.
 */
import autocannon from 'autocannon';
import type { ServerProcess } from './processes.js';
import type { SignedRequest } from './signers.js';
import type { Settings } from './settings.js';
import type { Workload } from './workloads.js';

export interface LoadSample {
  /** 2xx answers per second. */
  readonly rps: number;
  /** Latency percentiles, ms (autocannon's histogram is 1 ms resolution). */
  readonly p50: number;
  readonly p99: number;
  /** Server CPU time (user + system) per answered request, µs. */
  readonly cpuUs: number;
  /** 2xx answers in the run. */
  readonly requests: number;
}

export interface ThroughputResult {
  readonly workload: Workload;
  readonly emulator: readonly LoadSample[];
  readonly reference: readonly LoadSample[];
  /** emulator / reference requests/s, per round (each round's pair ran back to back). */
  readonly ratios: readonly number[];
}

const WARMUP_S = 1;

/** One autocannon run; throws unless every answer was a 2xx and no connection failed. */
export async function load(server: ServerProcess, next: () => SignedRequest, durationS: number, connections: number): Promise<LoadSample> {
  const { url } = server;
  const cpuBefore = server.cpuMs();
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`load on ${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts (status codes ${JSON.stringify(result.statusCodeStats)})`);
  }
  if (result['2xx'] === 0) throw new Error(`load on ${url}: no answer at all`);
  const cpuUs = ((server.cpuMs() - cpuBefore) * 1000) / result['2xx'];
  return { rps: result['2xx'] / result.duration, p50: result.latency.p50, p99: result.latency.p99, cpuUs, requests: result['2xx'] };
}

export async function measureThroughput(
  emulator: ServerProcess,
  reference: ServerProcess,
  workloads: readonly Workload[],
  settings: Settings,
  progress: (line: string) => void,
): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  for (const workload of workloads) {
    // Warm-up, not reported: JIT, connection setup, first SQLite pages.
    await load(emulator, workload.next, WARMUP_S, settings.connections);
    await load(reference, workload.next, WARMUP_S, settings.connections);
    const emulatorSamples: LoadSample[] = [], referenceSamples: LoadSample[] = [], ratios: number[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      // Alternating which side goes first cancels a drift of the machine's load within a round.
      const emulatorFirst = round % 2 === 1;
      const run = (server: ServerProcess) => load(server, workload.next, settings.durationS, settings.connections);
      const first = await run(emulatorFirst ? emulator : reference);
      const second = await run(emulatorFirst ? reference : emulator);
      const [e, r] = emulatorFirst ? [first, second] : [second, first];
      emulatorSamples.push(e);
      referenceSamples.push(r);
      ratios.push(e.rps / r.rps);
      progress(`  ${workload.name} round ${round}: emulator ${e.rps.toFixed(0)} req/s (p99 ${e.p99} ms, ${e.cpuUs.toFixed(0)} µs CPU/req), reference ${r.rps.toFixed(0)} req/s (${r.cpuUs.toFixed(0)} µs CPU/req), ratio ${(e.rps / r.rps).toFixed(2)}`);
    }
    results.push({ workload, emulator: emulatorSamples, reference: referenceSamples, ratios });
  }
  return results;
}
