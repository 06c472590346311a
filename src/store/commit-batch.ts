import type { Db } from './database.js';

/**
 * One write transaction shared by the requests of one turn of the event loop (group commit).
 *
 * A request opens it (`join`) before its work, or joins the one already open; it is committed once
 * the turn's callbacks have run (setImmediate), and every request that joined answers only after
 * that commit (`committed`): an answer never announces what a crash could still lose. Ten
 * concurrent kills then cost one commit, one WAL append of the pages they share, instead of ten.
 * Statements of the stores run inside it unchanged: their own transactions become savepoints.
 *
 * `BEGIN IMMEDIATE` takes the write lock at once, so a foreign lock fails the join, before anything
 * is written (the guard waits and tries again), never a statement halfway through a request.
 */
export class CommitBatch {
  private readonly beginStmt;
  private readonly commitStmt;
  private readonly rollbackStmt;
  private open: Deferred | undefined;
  /** Counts batches; `failedAt` is the last one whose commit failed. */
  private generation = 0;
  private failedAt = -1;
  private failure: unknown;

  constructor(
    private readonly db: Db,
    /** Drops what the stores keep in memory: after a rollback it may hold rows that were never committed. */
    private readonly onRollback: () => void,
  ) {
    this.beginStmt = db.prepare('BEGIN IMMEDIATE');
    this.commitStmt = db.prepare('COMMIT');
    this.rollbackStmt = db.prepare('ROLLBACK');
  }

  /** Opens the turn's transaction unless one is open; returns its generation. Throws SQLITE_BUSY from BEGIN. */
  join(): number {
    if (!this.open) {
      this.beginStmt.run();
      this.open = deferred();
      this.generation++;
      setImmediate(() => this.commit());
    }
    return this.generation;
  }

  /**
   * Resolves once the transaction open now (if any) is committed; rejects with the commit's error
   * if it, or any batch since `since` (a generation from `join`), failed to commit.
   */
  async committed(since: number): Promise<void> {
    if (this.open) await this.open.promise;
    if (this.failedAt >= since) throw this.failure;
  }

  /** Commits now (before the store closes). */
  flush(): void {
    if (this.open) this.commit();
  }

  private commit(): void {
    const batch = this.open;
    if (!batch) return;
    this.open = undefined;
    try {
      this.commitStmt.run();
      batch.resolve();
    } catch (error) {
      // A commit that fails (a full disk, an I/O error) can leave the transaction open: end it, so
      // the next batch starts clean.
      if (this.db.inTransaction) {
        try {
          this.rollbackStmt.run();
        } catch {
          // Nothing more to undo: SQLite already rolled back.
        }
      }
      this.failedAt = this.generation;
      this.failure = error;
      this.onRollback();
      batch.reject(error);
    }
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A request that failed before it waited leaves the commit's outcome unobserved.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
