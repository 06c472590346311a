import { describe, expect, it } from 'vitest';
import { randomIds, seededIds } from '../../src/ids.js';

describe('randomIds: ids drawn from a pooled CSPRNG', () => {
  it('answers hex of the asked length, across pool refills, without repeating', () => {
    const seen = new Set<string>();
    // 16-byte task ids: 3,000 of them span about twelve refills of the 4 KB pool.
    for (let i = 0; i < 3000; i++) {
      const id = randomIds.hex(16);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(3000);
    for (const bytes of [1, 7, 8, 4095, 4096, 5000]) expect(randomIds.hex(bytes)).toMatch(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
  });

  it('spreads its bytes evenly (no stale or zeroed pool slices)', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 2000; i++) for (const c of randomIds.hex(16)) counts[parseInt(c, 16)]!++;
    // 64,000 hex digits: each of the 16 values expects 4,000; a zeroed slice would pile onto '0'.
    for (const n of counts) {
      expect(n).toBeGreaterThan(3500);
      expect(n).toBeLessThan(4500);
    }
  });
});

describe('ordered ids: time first, then random, as in a UUIDv7', () => {
  it('start with the time in milliseconds, so that later ids sort after earlier ones', async () => {
    const before = Date.now();
    const first = randomIds.ordered(16);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    const stamp = parseInt(first.slice(0, 12), 16);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(randomIds.ordered(16) > first).toBe(true);
  });

  it('keep 80 random bits after the time: ids of the same millisecond differ', () => {
    const ids = Array.from({ length: 1000 }, () => randomIds.ordered(16));
    expect(new Set(ids).size).toBe(1000);
    expect(new Set(ids.map((id) => id.slice(12))).size).toBe(1000);
    expect(() => randomIds.ordered(7)).toThrow(RangeError);
  });

  it('come from the seed alone under --seed: the same sequence every run', () => {
    const a = seededIds('s').fork('tasks');
    const b = seededIds('s').fork('tasks');
    expect([a.ordered(16), a.ordered(16)]).toEqual([b.ordered(16), b.ordered(16)]);
  });
});
