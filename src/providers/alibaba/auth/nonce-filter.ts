/**
 * The nonces seen within the replay window, as a Bloom filter: "never seen" is certain, "seen"
 * only possible. A fresh nonce (almost every request) then needs no read of the store; one the
 * filter may have seen is looked up there as before. Memory is fixed whatever the request rate:
 * past about a million nonces per window the filter answers "maybe" more often, which costs reads,
 * never a wrong answer.
 *
 * Two generations, each filled for one window: a nonce added at t is in the current or the previous
 * one until t + window, when it has expired anyway. A clock that goes back (a test's clock, or a
 * request timed just before a rotation) may ask about a time whose nonces were dropped: until those
 * would have expired, the answer is "maybe".
 */
const BITS = 1 << 23; // 1 MB per generation
const HASHES = 5;

export class NonceFilter {
  private current = new Uint8Array(BITS / 8);
  private previous = new Uint8Array(BITS / 8);
  private generationStart: number;
  /** A question about an earlier time may concern a dropped nonce that had not expired then. */
  private unknownBefore = -Infinity;

  constructor(
    private readonly windowMs: number,
    now: number,
  ) {
    this.generationStart = now;
  }

  /** Records a digest (at least 8 bytes of a cryptographic hash). */
  add(digest: Uint8Array, now: number): void {
    this.rotate(now);
    const [h1, h2] = words(digest);
    for (let i = 0; i < HASHES; i++) {
      const bit = bitAt(h1, h2, i);
      this.current[bit >>> 3]! |= 1 << (bit & 7);
    }
  }

  /** False only when the digest was not added within the last window. */
  mayHave(digest: Uint8Array, now: number): boolean {
    this.rotate(now);
    if (now < this.unknownBefore) return true;
    return this.has(this.current, digest) || this.has(this.previous, digest);
  }

  private has(bits: Uint8Array, digest: Uint8Array): boolean {
    const [h1, h2] = words(digest);
    for (let i = 0; i < HASHES; i++) {
      const bit = bitAt(h1, h2, i);
      if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }

  private rotate(now: number): void {
    if (now - this.generationStart < this.windowMs) return;
    // Every call rotates first, so the current generation's nonces were added within one window
    // of its start, and the previous one's before that start.
    if (now - this.generationStart < 2 * this.windowMs) {
      // The previous generation goes: its nonces expired by the current one's start + one window.
      this.unknownBefore = Math.max(this.unknownBefore, this.generationStart + this.windowMs);
      this.previous = this.current;
    } else {
      // Two windows on: both go; their nonces expired by the current one's start + two windows.
      this.unknownBefore = Math.max(this.unknownBefore, this.generationStart + 2 * this.windowMs);
      this.previous = new Uint8Array(BITS / 8);
    }
    this.current = new Uint8Array(BITS / 8);
    this.generationStart = now;
  }
}

/** Two 32-bit words of the digest, the two hashes of double hashing (Kirsch–Mitzenmacher). */
const words = (digest: Uint8Array): [number, number] => [
  (digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24)) >>> 0,
  (digest[4]! | (digest[5]! << 8) | (digest[6]! << 16) | (digest[7]! << 24)) >>> 0,
];

/** The i-th bit position: h1 + i·h2 modulo the (power of two) size. */
const bitAt = (h1: number, h2: number, i: number): number => (h1 + Math.imul(i, h2)) & (BITS - 1);
