import type { Db } from './database.js';

/**
 * Nonces already used, by digest, until their replay window ends. Written in batches by the
 * cache in front of it; read only when the cache does not hold a nonce.
 */
export class UsedNonceStore {
  private readonly findStmt;
  private readonly insertStmt;
  private readonly pruneStmt;
  private readonly latestStmt;
  private readonly insertAllTx;

  constructor(db: Db) {
    this.findStmt = db.prepare<[Buffer, number], { expires_at: number }>('SELECT expires_at FROM used_nonces WHERE digest = ? AND expires_at > ?');
    this.insertStmt = db.prepare<[Buffer, number]>('INSERT INTO used_nonces (digest, expires_at) VALUES (?, ?) ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at');
    this.pruneStmt = db.prepare<[number]>('DELETE FROM used_nonces WHERE expires_at <= ?');
    this.latestStmt = db.prepare<[], { latest: number | null }>('SELECT max(expires_at) AS latest FROM used_nonces');
    this.insertAllTx = db.transaction((entries: Iterable<readonly [Buffer, number]>) => {
      for (const [digest, expiresAt] of entries) this.insertStmt.run(digest, expiresAt);
    });
  }

  /** Whether the digest was used and its window has not ended at `now`. */
  isUsed(digest: Buffer, now: number): boolean {
    return this.findStmt.get(digest, now) !== undefined;
  }

  /** When the last stored nonce expires; 0 when none is stored. */
  latestExpiry(): number {
    return this.latestStmt.get()?.latest ?? 0;
  }

  /** Records many in one transaction. */
  addAll(entries: Iterable<readonly [Buffer, number]>): void {
    this.insertAllTx(entries);
  }

  /** Forgets the nonces whose window ended; returns how many. */
  prune(now: number): number {
    return this.pruneStmt.run(now).changes;
  }
}
