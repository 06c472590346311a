import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.js';

/**
 * The worker's code: its own connection to the data file, checkpointing the WAL into it. PASSIVE
 * never waits for readers or writers, so the request path neither runs a checkpoint (and its fsync)
 * nor waits for one. Inline, so the same code runs from the sources under test and from dist/.
 */
const WORKER_CODE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Busy or failing now: the next tick tries again, and the main connection still works.
    parentPort.postMessage({ error: String(error && error.message) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the worker; the main connection's close then checkpoints what is left. */
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the event loop: the main connection stops checkpointing by itself
 * (`wal_autocheckpoint = 0`), and a worker thread checkpoints every `intervalMs`. Nothing for an
 * in-memory store, which has no WAL.
 */
export function startCheckpointer(db: Db, path: string, options: { readonly intervalMs: number; readonly onError: (message: string) => void }): Checkpointer {
  if (path === ':memory:') return { stop: async () => {} };
  db.pragma('wal_autocheckpoint = 0');
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_CODE, { eval: true, workerData: { driver, path, intervalMs: options.intervalMs } });
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error) options.onError(message.error);
  });
  worker.on('error', (error) => {
    // Without the worker, the main connection checkpoints again by itself, as SQLite does by default.
    options.onError(error.message);
    db.pragma('wal_autocheckpoint = 1000');
  });
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // Unref'd while it runs; held while stopping, or the process could end before the data file is closed.
        worker.ref();
        worker.postMessage('stop');
      })),
  };
}
