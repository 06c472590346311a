import { describe, expect, it } from 'vitest';
import { redactParams } from '../../src/redact.js';

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

  it('is bounded: long strings, long arrays, many fields and deep nesting are cut, saying so', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(JSON.stringify(redactParams({ deep }))).toContain('(nested deeper than 6 levels)');
    expect(redactParams('a'.repeat(5000))).toBe(`${'a'.repeat(2048)}...(2952 more characters)`);
    const items = redactParams(Array.from({ length: 1000 }, (_, i) => String(i))) as string[];
    expect(items).toHaveLength(101);
    expect(items.at(-1)).toBe('...(900 more items)');
    const fields = redactParams(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))) as Record<string, unknown>;
    expect(Object.keys(fields)).toHaveLength(101);
    expect(fields['...']).toBe('400 more fields');
  });
});
