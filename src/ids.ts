import { createHash, randomFillSync, randomUUID } from 'node:crypto';

/**
 * Where every identifier the emulator makes comes from: request, task, listing and DB-user ids,
 * and the dice of probabilistic fault rules. Random by default; with a seed (--seed) the same
 * sequence every run, for snapshot tests.
 */
export interface IdSource {
  /** `bytes` random bytes as lower-case hex. */
  hex(bytes: number): string;
  /**
   * `bytes` bytes (at least 8) as lower-case hex, the first six the current time in milliseconds
   * and the rest random, as in a UUIDv7: for ids the data file indexes (tasks, listings). A random
   * id lands on a random page of its index, and every such page is a 4 KB write at the next commit;
   * ids made in order append to the index's last pages (a stored task cost half the time, measured).
   * With a seed, every byte comes from the seed: the same ids every run matter more than their order.
   */
  ordered(bytes: number): string;
  /** An RFC 4122 version-4 UUID. */
  uuid(): string;
  /** A number in [0, 1). */
  fraction(): number;
  /** An independent stream for one purpose, so requests of one kind never shift the ids of another. */
  fork(purpose: string): IdSource;
}

/**
 * Random bytes drawn from the system's CSPRNG a few kilobytes at a time: a task costs three ids, and
 * one call per id was a measurable share of a request (randomUUID pools the same way).
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.alloc(bytes)).toString('hex');
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

const TIME_BYTES = 6;

function orderedHex(bytes: number): string {
  if (bytes < TIME_BYTES + 2) throw new RangeError(`an ordered id needs at least ${TIME_BYTES + 2} bytes, not ${bytes}`);
  return Date.now().toString(16).padStart(TIME_BYTES * 2, '0').slice(-TIME_BYTES * 2) + randomHex(bytes - TIME_BYTES);
}

export const randomIds: IdSource = {
  hex: randomHex,
  ordered: orderedHex,
  uuid: () => randomUUID(),
  fraction: () => Math.random(),
  fork: () => randomIds,
};

/** SHA-256 in counter mode over the seed: deterministic, and unrelated across seeds. */
export function seededIds(seed: string): IdSource {
  let counter = 0;
  let pool = Buffer.alloc(0);
  const take = (bytes: number): Buffer => {
    while (pool.length < bytes) pool = Buffer.concat([pool, createHash('sha256').update(`${seed}\u0000${counter++}`).digest()]);
    const out = pool.subarray(0, bytes);
    pool = pool.subarray(bytes);
    return out;
  };
  return {
    hex: (bytes) => take(bytes).toString('hex'),
    ordered: (bytes) => take(bytes).toString('hex'),
    uuid: () => {
      const b = Buffer.from(take(16));
      b[6] = (b[6]! & 0x0f) | 0x40;
      b[8] = (b[8]! & 0x3f) | 0x80;
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
    fraction: () => take(6).readUIntBE(0, 6) / 2 ** 48,
    fork: (purpose) => seededIds(`${seed}/${purpose}`),
  };
}
