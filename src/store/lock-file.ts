import Database from 'better-sqlite3';

/** Who holds a data file. */
export interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export type LockAttempt = { readonly held: true; release(): void } | { readonly held: false; readonly holder: Holder | undefined };

/**
 * A lock the operating system keeps: a small SQLite file whose write lock (RESERVED, taken by an
 * open `BEGIN IMMEDIATE`) is held for as long as this process has it open. When the process dies,
 * however it dies, the kernel drops the lock, so no stale lock can outlive a crash, whatever host
 * or container it ran in. Other processes (and other connections of this one) still read who holds it.
 */
export function tryLock(path: string, me: Holder): LockAttempt {
  const db = new Database(path, { timeout: 0 });
  /** Takes the write lock; false when another connection holds it. */
  const lock = (): boolean => {
    try {
      db.exec('BEGIN IMMEDIATE');
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw error;
    }
  };
  const busy = (): LockAttempt => {
    const holder = db.prepare<[], Holder>('SELECT pid, host, since FROM holder LIMIT 1').get();
    db.close();
    return { held: false, holder };
  };
  try {
    db.pragma('journal_mode = DELETE');
    // The holder row names who has the file; losing it to a power cut costs nothing (the kernel drops
    // the lock with the process anyway), so its commit need not wait for the disk.
    db.pragma('synchronous = OFF');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)');
    if (!lock()) return busy();
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, host, since) VALUES (?, ?, ?)').run(me.pid, me.host, me.since);
    // Readers see the row once it is committed; then the lock is taken again and kept. Whoever
    // slips in between holds the file, and has written its own row by the time anyone reads it.
    db.exec('COMMIT');
    if (!lock()) return busy();
  } catch (error) {
    if (db.open) db.close();
    throw error;
  }
  return {
    held: true,
    release: () => {
      if (db.open) db.close();
    },
  };
}
