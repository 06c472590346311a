import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { optionLabel, StartupError } from '../config.js';
import { tryLock, type Holder } from '../store/lock-file.js';

export interface DataLock {
  /** Gives the data file up and removes the lock file. Idempotent. */
  release(): void;
}

/**
 * Claims a data file for this process with `<data>.lock`. Two emulators on one file would share
 * sessions and tasks but not faults, journal, tokens or loaded fixtures, and each one's reset would
 * wipe the other's work: the second one refuses instead, naming the holder. The lock is one the
 * operating system drops when its process dies (see tryLock), so a restart after SIGKILL or an OOM
 * kill, in the same container or a new one on the same volume, just works.
 */
export function lockDataFile(data: string): DataLock {
  if (data === ':memory:') return { release: () => undefined };
  const path = resolve(`${data}.lock`);
  let attempt;
  try {
    attempt = tryLock(path, { pid: process.pid, host: hostname(), since: new Date().toISOString() });
  } catch (error) {
    throw new StartupError(`${optionLabel('data')}: cannot create the lock file ${path}: ${(error as Error).message}`);
  }
  if (!attempt.held) throw heldError(data, path, attempt.holder);
  let held = true;
  return {
    release: () => {
      if (!held) return;
      held = false;
      attempt.release();
      rmSync(path, { force: true });
    },
  };
}

function heldError(data: string, path: string, holder: Holder | undefined): StartupError {
  const who = holder ? `pid ${holder.pid} on host ${holder.host}, since ${holder.since}` : 'another process';
  return new StartupError(`${optionLabel('data')}: ${data} is in use by another das-emulator (${who}); stop it or give this one another data file (${path} is held while it runs)`);
}
