/**
 * What a failed SQLite call says about the data file, from better-sqlite3's error codes
 * (https://www.sqlite.org/rescode.html). Only the store's own failures are classified: anything
 * else (a bug, a backend error) is `undefined` and stays what it was.
 *
 * - `busy`: another connection holds the write lock (SQLITE_BUSY*, SQLITE_LOCKED*); it passes.
 * - `damaged`: a page is corrupt or the file is no database (SQLITE_CORRUPT*, SQLITE_NOTADB); it
 *   does not heal, and the restart's check refuses the file.
 * - `read-only`: the file, its -wal or -shm, or their folder cannot be written (SQLITE_READONLY*,
 *   SQLITE_CANTOPEN, SQLITE_PERM).
 * - `full`: the disk is full (SQLITE_FULL).
 * - `io`: the operating system failed a read or a write (SQLITE_IOERR*).
 */
export type StoreFault = 'busy' | 'damaged' | 'read-only' | 'full' | 'io';

export function storeFaultOf(error: unknown): StoreFault | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'damaged';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM') return 'read-only';
  if (code === 'SQLITE_FULL') return 'full';
  if (code.startsWith('SQLITE_IOERR')) return 'io';
  return undefined;
}

/**
 * A request the store could not serve: thrown once another process has held the write lock past
 * the retry budget, or when the file failed (damaged, read-only, full, I/O). Each provider answers
 * it in its own envelope; `detail` is SQLite's message, for the log and the journal.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly fault: StoreFault,
    readonly detail: string,
  ) {
    super(`the data file is ${describeFault(fault)}: ${detail}`);
  }
}

export function describeFault(fault: StoreFault): string {
  switch (fault) {
    case 'busy':
      return 'locked by another process';
    case 'damaged':
      return 'damaged';
    case 'read-only':
      return 'not writable';
    case 'full':
      return 'on a full disk';
    case 'io':
      return 'failing to read or write';
  }
}
