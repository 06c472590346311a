import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { optionLabel, StartupError } from '../config.js';

/** What a lock file holds: who has the data file. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Lock files this process holds: a second in-process emulator on the same file must refuse too. */
const heldHere = new Set<string>();

export interface DataLock {
  /** Removes the lock file if it is still this process's. Idempotent. */
  release(): void;
}

/**
 * Claims a data file for this process with `<data>.lock`, created exclusively and holding the pid.
 * Two emulators on one file would share sessions and tasks but not faults, journal, tokens or loaded
 * fixtures, and each one's reset would wipe the other's work: the second one refuses instead.
 * A lock left by a crash (its pid no longer runs on this host) is taken over, so a restart after
 * SIGKILL just works. A lock from another host (a container sharing the volume) cannot be checked:
 * it is respected, and the message says how to clear it.
 */
export function lockDataFile(data: string): DataLock {
  if (data === ':memory:') return { release: () => undefined };
  const path = resolve(`${data}.lock`);
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    const fd = tryCreate(path);
    if (fd !== undefined) {
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      heldHere.add(path);
      return {
        release: () => {
          if (heldHere.delete(path)) releaseIfMine(path, me);
        },
      };
    }
    const holder = readHolder(path);
    // A second attempt that finds the lock again lost a race with another emulator taking over the same stale lock.
    if (attempt > 0 || (holder && !isStale(holder, me, heldHere.has(path)))) throw heldError(data, path, holder);
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw lockError(path, error);
    }
  }
}

function tryCreate(path: string): number | undefined {
  try {
    return openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw lockError(path, error);
  }
}

/** The holder a lock file names; undefined when it is unreadable or empty (its writer died before writing: stale). */
function readHolder(path: string): Holder | undefined {
  const deadline = Date.now() + 500;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as Partial<Holder>;
      if (Number.isInteger(parsed.pid) && typeof parsed.host === 'string') return { pid: parsed.pid!, host: parsed.host, since: String(parsed.since ?? '?') };
    } catch {
      // Not (yet) complete: another process may be writing it right now.
    }
    if (Date.now() >= deadline) return undefined;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

function isStale(holder: Holder, me: Holder, heldByThisProcess: boolean): boolean {
  if (holder.host !== me.host) return false;
  // Our own pid names either an emulator of this very process (programmatic API) or a previous
  // life of this pid (a restarted container's pid 1): only the first is alive.
  if (holder.pid === me.pid) return !heldByThisProcess;
  if (isZombie(holder.pid)) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A process that died but was not yet reaped by its parent still answers kill(pid, 0) (Linux: state Z in /proc). */
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function releaseIfMine(path: string, me: Holder): void {
  const holder = readHolder(path);
  if (holder?.pid !== me.pid || holder.host !== me.host || holder.since !== me.since) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}

function heldError(data: string, path: string, holder: Holder | undefined): StartupError {
  const who = holder ? `pid ${holder.pid} on host ${holder.host}, since ${holder.since}` : 'another process';
  return new StartupError(`${optionLabel('data')}: ${data} is in use by another das-emulator (${who}); stop it or give this one another data file; if it is gone, delete ${path}`);
}

function lockError(path: string, error: unknown): StartupError {
  return new StartupError(`${optionLabel('data')}: cannot create the lock file ${path}: ${(error as Error).message}`);
}
