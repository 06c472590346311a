import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from './http-client.js';
import { CLI, PEERS, ROOT } from './paths.js';

/** The emulator and the Node peers print one `... ready on http://host:port` line once they listen. */
const READY = (stdout: string): string | undefined => /ready on (http:\/\/\S+)/.exec(stdout)?.[1];
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

const live = new Set<ChildProcess>();

/** Ends the servers this bench started and has not stopped yet (on failure or interrupt). */
export function killStartedServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** The emulator CLI, with the default fixtures unless args say otherwise, logging nothing. */
export function startEmulatorProcess(args: readonly string[], nodeFlags: readonly string[] = []): Promise<ServerProcess> {
  return startServer(process.execPath, [...nodeFlags, CLI, '--port', '0', '--log-level', 'silent', ...args]);
}

/** The reference of every section: the bare node:http peer. */
export function startReferenceProcess(): Promise<ServerProcess> {
  return startPeerProcess('node-http');
}

/** One of the Node peers under bench/suite/peers/, on a free port. */
export function startPeerProcess(peer: keyof typeof PEERS, args: readonly string[] = []): Promise<ServerProcess> {
  return startServer(process.execPath, [PEERS[peer], '--port', '0', ...args]);
}

/**
 * Spawns `command <args>` and times it to its first 200 from /_emulator/health (every peer answers
 * it). The health call goes out the moment `ready` finds the server's URL in its output, so no
 * polling interval pads the figure, and every server is started and timed the very same way.
 */
export async function startServer(command: string, args: readonly string[], ready = READY): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env: withoutEmulatorEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${READY_CAP_MS} ms from ${command} ${args.join(' ')}\n${stderr}`)), READY_CAP_MS);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const url = ready(stdout);
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${command} ${args.join(' ')} exited (${code ?? signal}) before it was ready\n${stdout}${stderr}`)));
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
