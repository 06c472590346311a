import { describe, expect, it } from 'vitest';
import { sameSecret, sameSignature } from '../../src/same-secret.js';

describe('comparing a sent signature with the computed one', () => {
  const computed = 'a'.repeat(63) + 'f';

  it('is true only for the very same text', () => {
    expect(sameSignature(computed, computed)).toBe(true);
    expect(sameSignature(computed, `${'a'.repeat(63)}e`)).toBe(false);
    expect(sameSignature(computed, computed.toUpperCase())).toBe(false);
    expect(sameSignature(computed, computed.slice(1))).toBe(false);
    expect(sameSignature(computed, `${computed}0`)).toBe(false);
    expect(sameSignature(computed, '')).toBe(false);
  });

  it('does not take characters for their low byte (a latin1 view of the text would)', () => {
    // U+0161 and U+0166 have 0x61 ('a') and 0x66 ('f') as low bytes.
    expect(sameSignature(computed, '\u0161'.repeat(63) + '\u0166')).toBe(false);
    expect(sameSignature('ab', '\u0161b')).toBe(false);
  });

  it('agrees with sameSecret, which hashes both sides first', () => {
    for (const given of [computed, computed.slice(2), 'x', '\u0161'.repeat(64)]) expect(sameSignature(computed, given)).toBe(sameSecret(computed, given));
  });
});
