/**
 * autocannon in the bench process: the scale phase's random-id lookups (signed per request, as the
 * ids are drawn at random), and the throughput phase's fallback when wrk is not installed (then the
 * client replays the pool in JavaScript on the cores the server uses, and the report says so).
 */
import autocannon from 'autocannon';
import type { GeneratorRun } from './generator.js';
import type { ServerProcess } from './processes.js';
import type { SignedRequest } from './signers.js';

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

/** One autocannon run, every request made by `next`; throws unless every answer was a 2xx and no connection failed. */
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

/** The wrk fallback: autocannon's setupRequest hands out the pool's entries from `first` on, in order. */
export async function replayWithAutocannon(url: string, pool: readonly SignedRequest[], first: number, connections: number, seconds: number): Promise<GeneratorRun> {
  let sent = 0;
  const slice = pool.length - first;
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, ...pool[first + (sent++ % slice)]! }) }],
  });
  const cpu = process.cpuUsage(cpuBefore);
  const badStatuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) if (!status.startsWith('2')) badStatuses[status] = count ?? 0;
  return {
    generator: 'autocannon',
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    badStatuses,
    socketErrors: result.errors + result.timeouts,
    socketErrorDetail: `errors ${result.errors}, timeouts ${result.timeouts}`,
    sent: [sent],
    slices: [slice],
    clientCpuS: (cpu.user + cpu.system) / 1e6,
  };
}
