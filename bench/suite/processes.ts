import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from './http-client.js';
import { CLI, REFERENCE_SERVER, ROOT } from './paths.js';

/** Both servers print one `... ready on http://host:port` line once they listen. */
const READY = /ready on (http:\/\/\S+)/;
const READY_CAP_MS = 60_000;

export interface Memory {
  /** Resident set now, MB. */
  readonly rssMb: number;
  /** Peak resident set since the process started, MB. */
  readonly peakMb: number;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Spawn to the first 200 from /_emulator/health (the reference answers every path). */
  readonly startMs: number;
  memory(): Memory;
  /** CPU time the process has used so far (user + system, all threads), ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcessWithoutNullStreams>();

/** Ends the servers this bench started and has not stopped yet (on failure or interrupt). */
export function killStartedServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** The emulator CLI, with the default fixtures unless args say otherwise, logging nothing. */
export function startEmulatorProcess(args: readonly string[], nodeFlags: readonly string[] = []): Promise<ServerProcess> {
  return startServer([...nodeFlags, CLI, '--port', '0', '--log-level', 'silent', ...args]);
}

export function startReferenceProcess(): Promise<ServerProcess> {
  return startServer([REFERENCE_SERVER, '--port', '0']);
}

/**
 * Spawns `node <args>` and times it to its first 200 from /_emulator/health. The health call goes
 * out the moment the ready line arrives, so no polling interval pads the figure, and both servers
 * are started and timed the very same way.
 */
async function startServer(args: readonly string[]): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: withoutEmulatorEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${READY_CAP_MS} ms from node ${args.join(' ')}\n${stderr}`)), READY_CAP_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = READY.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`node ${args.join(' ')} exited (${code ?? signal}) before it was ready\n${stdout}${stderr}`)));
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    live.delete(child);
    throw error;
  });
  const health = await get(`${url}/_emulator/health`);
  const startMs = performance.now() - started;
  if (health.status !== 200) throw new Error(`health answered ${health.status}: ${health.body}`);
  const pid = child.pid!;
  return {
    url,
    pid,
    startMs,
    memory: () => readMemory(pid),
    cpuMs: () => readCpuMs(pid),
    async stop() {
      if (!live.has(child)) return;
      child.kill('SIGTERM');
      await exited;
      live.delete(child);
    },
  };
}

/** VmRSS and VmHWM from /proc: what the kernel holds for the process, native (SQLite) memory included. */
function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]);
  };
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Linux reports utime and stime in USER_HZ ticks, 100 per second on every architecture Node runs on. */
const TICK_MS = 10;

/**
 * utime + stime from /proc/<pid>/stat. Unlike requests/s this barely moves when other processes
 * compete for the cores, so it shows what a request costs the server even on a noisy machine.
 */
function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which sits in parentheses and may hold spaces: state is [0], utime [11], stime [12].
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** The bench's own DAS_EMULATOR_* settings must not leak into the servers it measures. */
function withoutEmulatorEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DAS_EMULATOR_')));
}
