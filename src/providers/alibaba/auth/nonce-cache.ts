/** Nonces seen within the replay window; a nonce may be used once per AccessKey in that window. */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  constructor(private readonly windowMs: number) {}

  /** Records the nonce; false when it was already used within the window. */
  remember(accessKeyId: string, nonce: string, now: number): boolean {
    this.sweep(now);
    const key = `${accessKeyId}\u0000${nonce}`;
    const expires = this.seen.get(key);
    if (expires !== undefined && expires > now) return false;
    this.seen.set(key, now + this.windowMs);
    return true;
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    for (const [key, expires] of this.seen) if (expires <= now) this.seen.delete(key);
    this.nextSweep = now + this.windowMs / 4;
  }
}
