import type { Logger } from '../log.js';
import type { StoreUnavailableError } from './faults.js';

/**
 * One error line for a data file that failed a request, saying what to do, never a stack: the
 * cause is the file, not the code. A lock held by another process is left to the access log's
 * `request refused` line: it passes, and nothing needs doing.
 */
export function logStoreFailure(log: Logger, requestId: string, failure: StoreUnavailableError): void {
  if (failure.fault === 'busy') return;
  log.error(failure.message, { requestId, action: ADVICE[failure.fault] });
}

const ADVICE = {
  damaged: 'stop the emulator and restore the data file from a backup, or move it aside (with its -wal and -shm files); health reports the store damaged until then',
  'read-only': 'make the data file, its -wal and -shm files and their folder writable by this user',
  full: 'free some disk space; writes succeed again once there is room',
  io: 'check the disk holding the data file',
} as const;
