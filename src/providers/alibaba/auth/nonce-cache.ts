import { createHash } from 'node:crypto';
import { NonceFilter } from './nonce-filter.js';

/** Where nonces go once the cache has batched them (the SQLite store; see UsedNonceStore). */
export interface UsedNonces {
  isUsed(digest: Buffer, now: number): boolean;
  /** When the last nonce the store holds expires (0 when it holds none). */
  latestExpiry(): number;
  addAll(entries: Iterable<readonly [Buffer, number]>): void;
  prune(now: number): number;
}

/** Nonces waiting for their batch to be written: at most this many are held in memory. */
const MAX_PENDING = 4096;
/**
 * While the store cannot be written (another process holds its lock), requests go on and their
 * nonces wait in memory, up to this many; past it a request fails with the store's error.
 */
const MAX_PENDING_UNWRITTEN = 4 * MAX_PENDING;
/** And none waits longer than this: a crash forgets at most this much of the nonces' history. */
const FLUSH_EVERY_MS = 100;

/**
 * Nonces seen within the replay window; a nonce may be used once per AccessKey in that window.
 * Recent nonces are held in memory and written to the store in batches, so that memory stays
 * bounded at any request rate and a replay is refused after a restart as well. The store is read
 * only for a nonce this run may have seen (NonceFilter) or while an earlier run's may be unexpired.
 */
export class NonceCache {
  private pending = new Map<string, readonly [Buffer, number]>();
  private timer: NodeJS.Timeout | undefined;
  private nextPrune = 0;
  private readonly seen: NonceFilter;
  /** Until then the store may hold nonces of an earlier run, which the filter never saw. */
  private readonly earlierRunsUntil: number;

  constructor(
    private readonly windowMs: number,
    private readonly store: UsedNonces,
    private readonly clock: () => number = Date.now,
    private readonly onError: (error: Error) => void = () => {},
  ) {
    this.seen = new NonceFilter(windowMs, clock());
    this.earlierRunsUntil = store.latestExpiry();
  }

  /** Records the nonce; false when it was already used within the window. */
  remember(accessKeyId: string, nonce: string, now: number): boolean {
    const digest = createHash('sha256').update(accessKeyId).update('\u0000').update(nonce).digest().subarray(0, 16);
    const key = digest.toString('base64');
    const pending = this.pending.get(key);
    if (pending) {
      if (pending[1] > now) return false;
    } else if ((now < this.earlierRunsUntil || this.seen.mayHave(digest, now)) && this.store.isUsed(digest, now)) {
      return false;
    }
    if (this.pending.size >= MAX_PENDING) this.flushUnlessBlocked();
    this.pending.set(key, [digest, now + this.windowMs]);
    this.seen.add(digest, now);
    this.timer ??= setTimeout(() => this.flushInBackground(), FLUSH_EVERY_MS).unref();
    return true;
  }

  /** How many nonces wait in memory for their batch. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Writes what is waiting and stops the timer; call before the store closes. */
  close(): void {
    this.flush();
  }

  /**
   * The timer's flush: a write that fails (a full disk, an I/O error) must not end the process.
   * The nonces stay pending and the next request or flush tries again.
   */
  private flushInBackground(): void {
    try {
      this.flush();
    } catch (error) {
      this.onError(error as Error);
    }
  }

  /**
   * A full batch is written before the next nonce joins it. A write that fails keeps the batch (the
   * timer's flush logs and tries again) unless the nonces waiting reached MAX_PENDING_UNWRITTEN.
   */
  private flushUnlessBlocked(): void {
    try {
      this.flush();
    } catch (error) {
      if (this.pending.size >= MAX_PENDING_UNWRITTEN) throw error;
    }
  }

  /** Writes the waiting nonces, and now and then forgets those whose window ended. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) {
      // Cleared only once written: a failed write keeps them for the next try.
      this.store.addAll(this.pending.values());
      this.pending = new Map();
    }
    const now = this.clock();
    if (now >= this.nextPrune) {
      this.store.prune(now);
      this.nextPrune = now + this.windowMs / 4;
    }
  }
}
