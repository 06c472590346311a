import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets (signatures, passwords, tokens) are equal, in time that depends on neither:
 * both are hashed first, so not even their lengths show.
 */
export function sameSecret(expected: string, given: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(given));
}
