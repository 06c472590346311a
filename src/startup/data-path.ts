import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { optionLabel, StartupError } from '../config.js';

/**
 * Refuses a data path SQLite cannot use, before anything is created beside it (the key file, the
 * lock), so the user reads which option is wrong instead of a SqliteError stack.
 */
export function checkDataPath(path: string): void {
  if (path === ':memory:') return;
  const label = optionLabel('data');
  const stats = statOrUndefined(path);
  if (stats?.isDirectory()) throw new StartupError(`${label}: ${path} is a folder; name a file, e.g. ${join(path, 'emulator.db')}`);
  if (stats && !stats.isFile()) throw new StartupError(`${label}: ${path} is not a regular file`);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new StartupError(`${label}: cannot create the folder of ${path}: ${reason(error)}`);
  }
  try {
    // SQLite writes its -wal and -shm files beside the data file: the folder must be writable too.
    accessSync(dirname(path), constants.W_OK);
    if (stats) accessSync(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new StartupError(`${label}: ${path} is not writable: ${reason(error)}`);
  }
}

/** Wraps a failure to open the data file (not SQLite, a newer schema ...) as a one-line startup error. */
export function dataOpenError(path: string, error: unknown): StartupError {
  return new StartupError(`${optionLabel('data')}: cannot open ${path}: ${reason(error)}`);
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new StartupError(`${optionLabel('data')}: cannot use ${path}: ${reason(error)}`);
  }
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
