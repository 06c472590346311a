/**
 * wrk (C, epoll) replaying a request pool through bench/suite/wrk-pool.lua: the load generator that
 * costs the shared cores least, so the servers, not the client, set the rate.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { GeneratorRun } from './generator.js';
import { WRK_SCRIPT } from './paths.js';

export const wrkAvailable = (): boolean => spawnSync('wrk', ['-v'], { encoding: 'utf8' }).error === undefined;

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string, what: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk output: cannot read ${what} ${JSON.stringify(text)}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

function required(output: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(output);
  if (!match) throw new Error(`wrk output has no ${what}:\n${output}`);
  return match;
}

/** Reads `wrk --latency` output with the pool script's own lines (pool-thread, pool-bad-status, pool-cpu). */
export function parseWrkOutput(output: string): GeneratorRun {
  const [, requests, seconds] = required(output, /^\s*(\d+) requests in ([\d.]+\w+),/m, 'request count');
  const p50 = required(output, /^\s*50%\s+(\S+)\s*$/m, 'p50 (was --latency given?)')[1]!;
  const p99 = required(output, /^\s*99%\s+(\S+)\s*$/m, 'p99')[1]!;
  const rps = Number(required(output, /^Requests\/sec:\s+([\d.]+)$/m, 'Requests/sec')[1]);
  const socket = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$/m.exec(output);
  const nonOk = Number(/^\s*Non-2xx or 3xx responses: (\d+)$/m.exec(output)?.[1] ?? 0);
  const badStatuses: Record<string, number> = {};
  for (const [, status, count] of output.matchAll(/^pool-bad-status (\d+) (\d+)$/gm)) badStatuses[status!] = (badStatuses[status!] ?? 0) + Number(count);
  // The script sees every answer; wrk's own count is the check that it did.
  const counted = Object.values(badStatuses).reduce((a, b) => a + b, 0);
  if (counted < nonOk) badStatuses.unknown = nonOk - counted;
  const threads = [...output.matchAll(/^pool-thread \d+ sent (\d+) slice (\d+)$/gm)];
  if (threads.length === 0) throw new Error(`wrk output has no pool-thread lines (not run with wrk-pool.lua?):\n${output}`);
  const [, loaded, done] = required(output, /^pool-cpu loaded ([\d.]+) done ([\d.]+)$/m, 'pool-cpu line');
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    generator: 'wrk',
    requests: Number(requests),
    seconds: duration(seconds!, 'run length') / 1000,
    rps,
    p50Ms: duration(p50, 'p50'),
    p99Ms: duration(p99, 'p99'),
    badStatuses,
    badBody: /^pool-bad-body (.*)$/m.exec(output)?.[1],
    socketErrors,
    socketErrorDetail: socket ? socket[0].trim() : 'Socket errors: none',
    sent: threads.map((t) => Number(t[1])),
    slices: threads.map((t) => Number(t[2])),
    clientCpuS: Number(done) - Number(loaded),
  };
}

export interface WrkOptions {
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
}

/** `wrk -t<n> -c<n> -d<s>s --latency -s wrk-pool.lua <url> -- <pool file> <first entry> <threads>` */
export function runWrk(url: string, poolFile: string, first: number, options: WrkOptions): Promise<GeneratorRun> {
  const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${options.seconds}s`, '--latency', '-s', WRK_SCRIPT, url, '--', poolFile, String(first), String(options.threads)];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`wrk ${args.join(' ')} exited ${code ?? signal}:\n${output}`));
      try {
        resolve(parseWrkOutput(output));
      } catch (error) {
        reject(error);
      }
    });
  });
}
