import { setTimeout as sleep } from 'node:timers/promises';
import { CommitBatch } from './commit-batch.js';
import type { Db } from './database.js';
import { describeFault, storeFaultOf, StoreUnavailableError, type StoreFault } from './faults.js';

/**
 * How long a request waits, in total, for another process to give the write lock back before it is
 * answered "unavailable". The clients' own read timeouts are 10 s and more; two seconds keeps a
 * short foreign transaction (a sqlite3 shell's UPDATE, a backup's copy) invisible to them.
 */
export const STORE_BUSY_BUDGET_MS = 2000;
/** The pauses between attempts, the last one repeating: short first, as most foreign locks are. */
const BACKOFF_MS = [5, 10, 20, 40, 80, 160, 250] as const;
/** Health writes to the file at most this often; in between it answers what the last probe saw. */
const PROBE_EVERY_MS = 1000;

/** What health says of the store: `ok`, or the fault seen and SQLite's words for it. */
export interface StoreCondition {
  readonly state: 'ok' | StoreFault;
  readonly reason?: string;
}

export interface StoreGuardOptions {
  readonly budgetMs?: number;
  readonly clock?: () => number;
  /** Drops what the stores keep in memory, when a shared commit fails and its writes are undone. */
  readonly onRollback?: () => void;
}

/**
 * Keeps the event loop free of the store's waits and says how the store is:
 *
 * - `run` runs a request's work inside the write transaction its turn of the event loop shares
 *   (CommitBatch), and resolves only once that transaction is committed. When another process holds
 *   the write lock (the connection waits at most a few milliseconds, see RUNTIME_BUSY_TIMEOUT_MS)
 *   and the attempt wrote nothing, it runs the work again after an asynchronous pause, up to the
 *   budget, then gives up with StoreUnavailableError('busy'). An attempt that already wrote
 *   something is not repeated (its writes would be made twice): it gives up at once.
 * - `failure` turns a store error into StoreUnavailableError and remembers a damaged file: a
 *   corrupt page does not heal, so health keeps saying so until a restart checks the file.
 * - `condition` is what health reports: a damaged file, or what a small real write transaction (at
 *   most once a second) meets: another process's lock, a read-only file, a full disk.
 */
export class StoreGuard {
  private readonly changesStmt;
  private readonly probeStmt;
  private readonly probeTx;
  private readonly budgetMs: number;
  private readonly clock: () => number;
  private readonly batch: CommitBatch;
  /** Rows the probe itself wrote: they do not count as a request's writes. */
  private probeChanges = 0;
  private damaged: string | undefined;
  private probed: { readonly at: number; readonly condition: StoreCondition } | undefined;

  constructor(
    private readonly db: Db,
    options: StoreGuardOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? STORE_BUSY_BUDGET_MS;
    this.clock = options.clock ?? (() => performance.now());
    this.batch = new CommitBatch(db, options.onRollback ?? (() => {}));
    this.changesStmt = db.prepare<[], { n: number }>('SELECT total_changes() AS n');
    this.probeStmt = db.prepare<[string]>("INSERT INTO meta (key, value) VALUES ('health_probe', ?) ON CONFLICT DO UPDATE SET value = excluded.value");
    this.probeTx = db.transaction((at: string) => this.probeStmt.run(at).changes);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const started = this.clock();
    for (let attempt = 0; ; attempt++) {
      const before = this.writes();
      try {
        const since = this.batch.join();
        const result = await work();
        await this.batch.committed(since);
        return result;
      } catch (error) {
        if (storeFaultOf(error) !== 'busy') throw error;
        const pause = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
        const wroteNothing = this.writes() === before;
        if (!wroteNothing || this.clock() - started + pause > this.budgetMs) throw this.failure(error);
        await sleep(pause);
      }
    }
  }

  /** Resolves once what was written so far is committed (for writes made outside `run`). */
  async settled(): Promise<void> {
    await this.batch.committed(Number.MAX_SAFE_INTEGER);
  }

  /** Commits what waits for the turn's commit now: call before the store closes. */
  flush(): void {
    this.batch.flush();
  }

  /** The store's failure as StoreUnavailableError (remembering a damaged file); undefined for any other error. */
  failure(error: unknown): StoreUnavailableError | undefined {
    if (error instanceof StoreUnavailableError) return error;
    const fault = storeFaultOf(error);
    if (!fault) return undefined;
    const detail = (error as Error).message;
    if (fault === 'damaged') this.damaged ??= detail;
    // Whatever failed, the next health call looks again instead of answering an older probe.
    if (fault !== 'busy') this.probed = undefined;
    return new StoreUnavailableError(fault, detail);
  }

  condition(): StoreCondition {
    if (this.damaged !== undefined) return { state: 'damaged', reason: this.damaged };
    const now = this.clock();
    if (this.probed && now - this.probed.at < PROBE_EVERY_MS) return this.probed.condition;
    this.probed = { at: now, condition: this.probe() };
    return this.probed.condition;
  }

  /** One write transaction, committed: what every request's write would meet now. */
  private probe(): StoreCondition {
    try {
      this.probeChanges += this.probeTx.immediate(new Date().toISOString());
      return { state: 'ok' };
    } catch (error) {
      const fault = storeFaultOf(error);
      if (!fault) throw error;
      if (fault === 'damaged') this.damaged ??= (error as Error).message;
      return { state: fault, reason: `${describeFault(fault)}: ${(error as Error).message}` };
    }
  }

  private writes(): number {
    return this.changesStmt.get()!.n - this.probeChanges;
  }
}
