import { optionLabel, StartupError } from '../config.js';
import { quickCheckProblems, recordStart, type Db } from '../store/database.js';
import { storeFaultOf, type StoreFault } from '../store/faults.js';
import { checkWal } from '../store/wal-check.js';

/**
 * Refuses to serve from a data file that would fail later: a damaged one (SQLite's quick_check,
 * which reads every page: a fraction of a second for a file of 100 MB), and one that cannot be
 * written, found by committing a real write transaction (a read-only file or folder holding a
 * crash's WAL, a full disk, another process holding the write lock), instead of starting "healthy"
 * and then failing every write.
 */
export function checkStoreFile(db: Db, path: string): void {
  if (path === ':memory:') return;
  let problems: string[];
  try {
    problems = quickCheckProblems(db);
  } catch (error) {
    // A page too broken to walk stops the check itself.
    if (storeFaultOf(error) === 'damaged') throw faultLine(path, 'damaged', `quick_check: ${(error as Error).message}`);
    throw storeStartupError(path, error) ?? error;
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` and ${problems.length - 1} more problems` : '';
    throw faultLine(path, 'damaged', `quick_check: ${problems[0]}${more}`);
  }
  try {
    recordStart(db, new Date());
  } catch (error) {
    throw storeStartupError(path, error) ?? error;
  }
}

/**
 * Before the database is opened (opening replays the log): a damaged write-ahead log whose later
 * commits SQLite's recovery would silently drop stops the start, naming what would be lost.
 */
export function refuseDamagedWal(path: string): void {
  const damage = checkWal(path);
  if (!damage) return;
  throw new StartupError(
    `${optionLabel('data')}: ${path}-wal is damaged at frame ${damage.frame} of ${damage.frames}, and opening it would silently drop the ${damage.lostCommits} transaction${damage.lostCommits === 1 ? '' : 's'} committed after it; restore the data file with its -wal from a backup, or move the -wal aside to start from the last checkpoint without them`,
  );
}

/** A store failure while starting as one line naming the file and what to do; undefined for any other error. */
export function storeStartupError(path: string, error: unknown): StartupError | undefined {
  if (error instanceof StartupError) return error;
  // A file that is no database at all is most likely the wrong path, not a damaged store: the
  // caller's "cannot open" says so better than "restore it from a backup".
  if ((error as { code?: unknown }).code === 'SQLITE_NOTADB') return undefined;
  const fault = storeFaultOf(error);
  return fault ? faultLine(path, fault, (error as Error).message) : undefined;
}

function faultLine(path: string, fault: StoreFault, detail: string): StartupError {
  const label = optionLabel('data');
  switch (fault) {
    case 'damaged':
      return new StartupError(`${label}: ${path} is damaged (${detail}); restore it from a backup, or move it aside with its -wal and -shm files to start with an empty store`);
    case 'read-only':
      return new StartupError(`${label}: ${path} cannot be written (${detail}); make the file, its -wal and -shm files and their folder writable by this user, or give another data file`);
    case 'full':
      return new StartupError(`${label}: ${path} cannot be written, the disk is full (${detail}); free some space or give another data file`);
    case 'busy':
      return new StartupError(`${label}: ${path} is locked by another process (${detail}); end that process's transaction (a sqlite3 shell, a backup tool) or give another data file`);
    case 'io':
      return new StartupError(`${label}: ${path} cannot be read or written (${detail}); check the disk, or give another data file`);
  }
}
