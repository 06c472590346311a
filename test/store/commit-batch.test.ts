import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitBatch } from '../../src/store/commit-batch.js';
import { openDatabase, useRuntimeBusyTimeout, type Db } from '../../src/store/database.js';
import { StoreGuard } from '../../src/store/guard.js';

let dir: string;
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The emulator's connection and another reader of the same file (what survives a crash of the first). */
function twoConnections(): { db: Db; other: Db } {
  dir = mkdtempSync(join(tmpdir(), 'das-emulator-batch-'));
  const db = openDatabase(join(dir, 'e.db'));
  useRuntimeBusyTimeout(db);
  const other = new Database(join(dir, 'e.db'));
  open.push(db, other);
  return { db, other };
}

const write = (db: Db, key: string) => db.prepare("INSERT INTO meta (key, value) VALUES (?, 'x')").run(key);
const keysSeenBy = (db: Db) => db.prepare<[], { key: string }>("SELECT key FROM meta WHERE key LIKE 'k%' ORDER BY key").all().map((r) => r.key);

describe('CommitBatch: one commit for the requests of one turn, answered only once committed', () => {
  it('gives the requests of one turn the same transaction, and the next turn a new one', async () => {
    const { db } = twoConnections();
    const batch = new CommitBatch(db, () => {});
    const first = batch.join();
    expect(batch.join()).toBe(first);
    expect(db.inTransaction).toBe(true);
    await batch.committed(first);
    expect(db.inTransaction).toBe(false);
    expect(batch.join()).toBe(first + 1);
    batch.flush();
    expect(db.inTransaction).toBe(false);
  });

  it('resolves each request only after its writes are committed, all in one transaction', async () => {
    const { db, other } = twoConnections();
    const guard = new StoreGuard(db);
    const answered: string[] = [];
    const requests = ['k1', 'k2', 'k3'].map((key) =>
      guard.run(async () => {
        write(db, key);
        return key;
      }).then((key) => answered.push(key)),
    );
    // Written, not committed: another connection (or the file after a crash) has none of them yet.
    await Promise.resolve();
    expect(keysSeenBy(other)).toEqual([]);
    expect(answered).toEqual([]);
    await Promise.all(requests);
    expect(answered.sort()).toEqual(['k1', 'k2', 'k3']);
    expect(keysSeenBy(other)).toEqual(['k1', 'k2', 'k3']);
  });

  it('fails every request of a batch whose commit fails, keeps none of its writes, and drops what the stores hold in memory', async () => {
    const { db, other } = twoConnections();
    // A deferred foreign key is checked at COMMIT: a way to make a real commit fail.
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
    let rollbacks = 0;
    const guard = new StoreGuard(db, { onRollback: () => rollbacks++ });
    const good = guard.run(async () => void write(db, 'k1'));
    const bad = guard.run(async () => void db.prepare('INSERT INTO child (parent_id) VALUES (42)').run());
    await expect(good).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    await expect(bad).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(rollbacks).toBe(1);
    expect(db.inTransaction).toBe(false);
    expect(keysSeenBy(other)).toEqual([]);
    expect(other.prepare('SELECT count(*) AS n FROM child').get()).toEqual({ n: 0 });
    // The next turn starts clean and commits.
    await guard.run(async () => void write(db, 'k2'));
    expect(keysSeenBy(other)).toEqual(['k2']);
  });

  it('commits what waits when flushed, before the store closes', () => {
    const { db, other } = twoConnections();
    const guard = new StoreGuard(db);
    void guard.run(async () => void write(db, 'k1'));
    guard.flush();
    expect(keysSeenBy(other)).toEqual(['k1']);
  });
});
