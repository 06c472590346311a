import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NonceCache } from '../../src/providers/alibaba/auth/nonce-cache.js';
import { NonceFilter } from '../../src/providers/alibaba/auth/nonce-filter.js';
import { openDatabase } from '../../src/store/database.js';
import { UsedNonceStore } from '../../src/store/nonces.js';
import { capture, replay } from '../captures/captures.js';
import { startTestEmulator } from '../support/emulator.js';

const WINDOW = 15 * 60 * 1000;

describe('signature nonces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'das-emulator-nonces-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a request replayed after a restart on the same data file is refused as a reused nonce', async () => {
    const c = capture('ali-go-v3-get-sessions-start');
    const clock = Date.parse(c.recorded_at);
    const data = join(dir, 'restart.db');
    const first = await startTestEmulator({ data }, { now: () => clock });
    expect((await replay(first.url, c)).status).toBe(200);
    await first.stop();
    const second = await startTestEmulator({ data }, { now: () => clock + 60_000 });
    try {
      const again = await replay(second.url, c);
      expect(again.status).toBe(400);
      expect(again.json()).toMatchObject({ Code: 'SignatureNonceUsed', Message: 'Specified signature nonce was used already.' });
    } finally {
      await second.stop();
    }
  });

  it('holds a bounded number in memory at any rate, and still refuses every one it wrote out', () => {
    const db = openDatabase(':memory:');
    const now = 1_000_000;
    const cache = new NonceCache(WINDOW, new UsedNonceStore(db), () => now);
    let peak = 0;
    for (let i = 0; i < 20_000; i++) {
      expect(cache.remember('ak', `nonce-${i}`, now)).toBe(true);
      peak = Math.max(peak, cache.pendingCount);
    }
    expect(peak).toBeLessThanOrEqual(4096);
    for (let i = 0; i < 20_000; i += 997) expect(cache.remember('ak', `nonce-${i}`, now + 1000)).toBe(false);
    // The same nonce under another AccessKey is another nonce.
    expect(cache.remember('other-ak', 'nonce-0', now)).toBe(true);
    // That nonce armed the batch timer: write it now, or the timer fires on a closed database later in the run.
    cache.flush();
    db.close();
  });

  it('is usable again once its 15-minute window has passed, and the store forgets it', () => {
    const db = openDatabase(':memory:');
    let now = 5_000_000;
    const cache = new NonceCache(WINDOW, new UsedNonceStore(db), () => now);
    expect(cache.remember('ak', 'n1', now)).toBe(true);
    cache.flush();
    now += WINDOW - 1;
    expect(cache.remember('ak', 'n1', now)).toBe(false);
    now += 1;
    expect(cache.remember('ak', 'n1', now)).toBe(true);
    now += WINDOW;
    cache.flush();
    expect((db.prepare('SELECT COUNT(*) AS n FROM used_nonces').get() as { n: number }).n).toBe(0);
    db.close();
  });

  it('reads the store only for a nonce this run may have seen, or while an earlier run\'s nonces may be unexpired', () => {
    const db = openDatabase(':memory:');
    const store = new UsedNonceStore(db);
    let reads = 0;
    const isUsed = store.isUsed.bind(store);
    store.isUsed = (digest, at) => (reads++, isUsed(digest, at));
    let now = 1_000_000;
    const first = new NonceCache(WINDOW, store, () => now);
    for (let i = 0; i < 5000; i++) expect(first.remember('ak', `fresh-${i}`, now)).toBe(true);
    // A Bloom filter of 8 Mbit holding 5,000 nonces: a false "maybe" is about one in 10^12.
    expect(reads).toBe(0);
    first.flush();
    expect(first.remember('ak', 'fresh-42', now + 1)).toBe(false);
    expect(reads).toBe(1);

    // A restart on the same store: the nonces of the run before are looked up until they expire.
    now += 60_000;
    const second = new NonceCache(WINDOW, store, () => now);
    reads = 0;
    expect(second.remember('ak', 'fresh-7', now)).toBe(false);
    expect(second.remember('ak', 'new-1', now)).toBe(true);
    expect(reads).toBe(2);
    now += WINDOW;
    expect(second.remember('ak', 'new-2', now)).toBe(true);
    expect(second.remember('ak', 'fresh-8', now)).toBe(true);
    expect(reads).toBe(2);
    second.flush();
    db.close();
  });
});

describe('NonceFilter', () => {
  const digest = (i: number) => createHash('sha256').update(String(i)).digest();

  it('never forgets a nonce within its window, forgets it two windows on, and rarely claims one it never saw', () => {
    const filter = new NonceFilter(WINDOW, 0);
    for (let i = 0; i < 100_000; i++) filter.add(digest(i), i % WINDOW);
    for (let i = 0; i < 100_000; i++) expect(filter.mayHave(digest(i), WINDOW - 1)).toBe(true);
    let falsePositives = 0;
    for (let i = 100_000; i < 200_000; i++) if (filter.mayHave(digest(i), WINDOW - 1)) falsePositives++;
    // 100,000 in 8 Mbit with 5 hashes: about 2 in 10^7 expected.
    expect(falsePositives).toBeLessThan(10);
    // One window on, the previous generation still answers for them; two windows on, none is left.
    expect(filter.mayHave(digest(5), WINDOW + 1)).toBe(true);
    expect(filter.mayHave(digest(5), 2 * WINDOW + 2)).toBe(false);
  });

  it('answers "maybe" about an earlier time whose nonces it may have dropped (a clock that went back)', () => {
    const filter = new NonceFilter(WINDOW, 0);
    filter.add(digest(1), 10);
    // Three windows on, both generations are dropped...
    expect(filter.mayHave(digest(2), 3 * WINDOW)).toBe(false);
    // ...so back at a time when digest(1) was still unexpired, the filter cannot say no.
    expect(filter.mayHave(digest(1), 20)).toBe(true);
    expect(filter.mayHave(digest(3), 20)).toBe(true);
    // From its own time on it answers again.
    expect(filter.mayHave(digest(3), 4 * WINDOW)).toBe(false);
  });
});
