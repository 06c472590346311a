import { describe, expect, it } from 'vitest';
import { boundedExplanation, redactParams } from '../../src/redact.js';

describe('what the journal keeps of a request', () => {
  it('hides every field whose name says secret, at any depth, and keeps the rest', () => {
    expect(redactParams({ DbUser: 'dbadmin', DbUserPassword: 'x', SecurityToken: 't', Signature: 's', SignatureNonce: 'n', nested: { db_user_password: 'y', list: [{ password: 'z', user: 'app' }] } })).toEqual({
      DbUser: 'dbadmin',
      DbUserPassword: '******',
      SecurityToken: '******',
      Signature: '******',
      SignatureNonce: 'n',
      nested: { db_user_password: '******', list: [{ password: '******', user: 'app' }] },
    });
  });

  it('is bounded as a whole: deep nesting, long strings, many items and wide objects are cut, saying so', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(JSON.stringify(redactParams({ deep }))).toContain('(nested deeper than 6 levels)');
    expect(redactParams('a'.repeat(20_000))).toBe(`${'a'.repeat(16_384)}...(3616 more characters)`);
    const items = redactParams(Array.from({ length: 5000 }, (_, i) => i)) as unknown[];
    expect(items.length).toBeLessThanOrEqual(1001);
    expect(items.at(-1)).toMatch(/^\.\.\.\(\d+ more items\)$/);
    // Per-level limits would multiply: 100 arrays of 100 arrays of 100 objects. The budget holds for the whole.
    const wide = Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => ({}))));
    expect(JSON.stringify(redactParams(wide)).length).toBeLessThan(40_000);
    const strings = redactParams(Array.from({ length: 100 }, () => 'b'.repeat(2000)));
    expect(JSON.stringify(strings).length).toBeLessThan(20_000);
  });

  it('keeps at most 32 KiB of a canonical request and of a string to sign', () => {
    const { canonicalRequest, stringToSign } = boundedExplanation('c'.repeat(3_000_000), 'short');
    expect(canonicalRequest).toHaveLength(32 * 1024 + '...(2967232 more characters)'.length);
    expect(stringToSign).toBe('short');
  });
});
