import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, useRuntimeBusyTimeout, type Db } from '../../src/store/database.js';
import { StoreUnavailableError } from '../../src/store/faults.js';
import { StoreGuard } from '../../src/store/guard.js';

let dir: string;
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The emulator's connection (serving: 5 ms busy timeout) and another process's, on one file. */
function twoConnections(): { db: Db; foreign: Db } {
  dir = mkdtempSync(join(tmpdir(), 'das-emulator-guard-'));
  const db = openDatabase(join(dir, 'e.db'));
  useRuntimeBusyTimeout(db);
  const foreign = new Database(join(dir, 'e.db'));
  open.push(db, foreign);
  return { db, foreign };
}

const write = (db: Db, key: string) => db.prepare("INSERT INTO meta (key, value) VALUES (?, 'x') ON CONFLICT DO UPDATE SET value = excluded.value").run(key);

describe('StoreGuard: waiting out another process\'s write lock without blocking', () => {
  it('never blocks the event loop more than a few milliseconds per attempt, and gives up after its budget', async () => {
    const { db, foreign } = twoConnections();
    const guard = new StoreGuard(db, { budgetMs: 300 });
    foreign.exec('BEGIN IMMEDIATE');
    let ran = 0;
    // The loop's longest stall while the guard waits: a 2 ms timer that fires late by the stall.
    let longestStall = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const at = performance.now();
      longestStall = Math.max(longestStall, at - last);
      last = at;
    }, 2);
    const started = performance.now();
    const outcome = guard.run(async () => {
      ran++;
      write(db, 'a');
    });
    await expect(outcome).rejects.toMatchObject({ name: 'StoreUnavailableError', fault: 'busy' });
    clearInterval(ticker);
    const elapsed = performance.now() - started;
    // The turn's transaction could never begin: the work never ran, so it wrote nothing twice.
    expect(ran).toBe(0);
    // Each attempt waits at most the 5 ms busy timeout on the loop; a guard that waited out the lock
    // synchronously would stall it for the whole 300 ms budget. (Half of it leaves room for a loaded machine.)
    expect(longestStall).toBeLessThan(150);
    expect(elapsed).toBeGreaterThan(150);
    expect(elapsed).toBeLessThan(1000);
    foreign.exec('ROLLBACK');
    // Once the lock is back the same work runs and is committed.
    await guard.run(async () => void write(db, 'a'));
    expect(foreign.prepare("SELECT value FROM meta WHERE key = 'a'").get()).toEqual({ value: 'x' });
  });

  it('does not repeat an attempt that already wrote something (its writes would be made twice)', async () => {
    const { db, foreign } = twoConnections();
    const guard = new StoreGuard(db, { budgetMs: 2000 });
    let attempts = 0;
    const outcome = guard.run(async () => {
      attempts++;
      write(db, 'first');
      // Work that waits (a kill on a real server) outlives its turn's shared commit; what it writes
      // after that commits on its own, and may meet another process's lock.
      await new Promise((resolve) => setTimeout(resolve, 5));
      foreign.exec('BEGIN IMMEDIATE');
      write(db, 'second');
    });
    await expect(outcome).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(attempts).toBe(1);
    foreign.exec('ROLLBACK');
    expect(foreign.prepare("SELECT key FROM meta WHERE key IN ('first', 'second')").all()).toEqual([{ key: 'first' }]);
  });

  it('reports busy while the lock is held, ok once it is back, and damaged for good once a page was found corrupt', () => {
    let now = 0;
    const { db, foreign } = twoConnections();
    const guard = new StoreGuard(db, { clock: () => now });
    expect(guard.condition()).toEqual({ state: 'ok' });
    foreign.exec('BEGIN IMMEDIATE');
    now += 1000;
    expect(guard.condition()).toMatchObject({ state: 'busy' });
    foreign.exec('ROLLBACK');
    now += 1000;
    expect(guard.condition()).toEqual({ state: 'ok' });

    const corrupt = Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
    expect(guard.failure(corrupt)).toMatchObject({ fault: 'damaged' });
    now += 10_000;
    expect(guard.condition()).toEqual({ state: 'damaged', reason: 'database disk image is malformed' });
  });
});
